import Foundation
import GustCore
import GustHTTP
import Hummingbird

extension LambdaAPI {
    func registerVersions(on router: Router<some RequestContext>) {
        let base = "/2015-03-31/functions"
        router.post(RouterPath(base + "/:name/versions")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            let body = try await LambdaWire.body(request)
            let version = try await functions.publishVersion(name, description: try LambdaWire.string(body, "Description"))
            return try LambdaWire.json(LambdaWire.configuration(version, qualifiedARN: true), status: .created)
        }
        router.get(RouterPath(base + "/:name/versions")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            let versions = try await functions.versions(name)
            return try LambdaWire.json(["Versions": versions.map { LambdaWire.configuration($0, qualifiedARN: true) }])
        }
        router.post(RouterPath(base + "/:name/aliases")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            let body = try await LambdaWire.body(request)
            let alias = Alias(
                functionName: name, name: try LambdaWire.string(body, "Name", required: true)!,
                functionVersion: try LambdaWire.string(body, "FunctionVersion", required: true)!,
                description: try LambdaWire.string(body, "Description") ?? "",
                additionalVersionWeights: try LambdaWire.weights(body) ?? [:],
                revisionID: UUID().uuidString.lowercased())
            return try LambdaWire.json(LambdaWire.alias(try await functions.createAlias(alias)), status: .created)
        }
        router.get(RouterPath(base + "/:name/aliases")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            var aliases = try await functions.aliases(name)
            if let version = request.uri.queryParameters.get("FunctionVersion") {
                aliases = aliases.filter { $0.functionVersion == version }
            }
            return try LambdaWire.json(["Aliases": aliases.map(LambdaWire.alias)])
        }
        router.get(RouterPath(base + "/:name/aliases/:alias")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            return try LambdaWire.json(LambdaWire.alias(try await functions.alias(name, try aliasName(context))))
        }
        router.put(RouterPath(base + "/:name/aliases/:alias")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            let body = try await LambdaWire.body(request)
            let alias = try await functions.updateAlias(
                name, try aliasName(context), functionVersion: try LambdaWire.string(body, "FunctionVersion"),
                description: try LambdaWire.string(body, "Description"), weights: try LambdaWire.weights(body))
            return try LambdaWire.json(LambdaWire.alias(alias))
        }
        router.delete(RouterPath(base + "/:name/aliases/:alias")) { request, context in
            let (name, _) = try LambdaWire.target(request, context)
            try await functions.deleteAlias(name, try aliasName(context))
            return LambdaWire.empty(.noContent)
        }
        registerConcurrency(on: router)
    }

    private func aliasName(_ context: some RequestContext) throws(GustError) -> String {
        let raw = context.parameters.get("alias").map { RouteTable.percentDecoded($0) } ?? ""
        try FunctionName.validateAliasName(raw)
        return raw
    }

    /// Reserved concurrency: the cap on a function's instances (PutFunctionConcurrency's paths carry
    /// two API dates, as in AWS).
    func registerConcurrency(on router: Router<some RequestContext>) {
        for date in ["2017-10-31", "2019-09-30"] {
            router.put(RouterPath("/\(date)/functions/:name/concurrency")) { request, context in
                let (name, _) = try LambdaWire.target(request, context)
                let body = try await LambdaWire.body(request)
                guard let value = try LambdaWire.int(body, "ReservedConcurrentExecutions") else {
                    throw GustError.invalid("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
                }
                try await functions.setReservedConcurrency(name, value)
                return try LambdaWire.json(["ReservedConcurrentExecutions": value])
            }
            router.get(RouterPath("/\(date)/functions/:name/concurrency")) { request, context in
                let (name, _) = try LambdaWire.target(request, context)
                let reserved = try await functions.reservedConcurrency(name)
                return try LambdaWire.json(reserved.map { ["ReservedConcurrentExecutions": $0] } ?? [:])
            }
            router.delete(RouterPath("/\(date)/functions/:name/concurrency")) { request, context in
                let (name, _) = try LambdaWire.target(request, context)
                try await functions.setReservedConcurrency(name, nil)
                return LambdaWire.empty(.noContent)
            }
        }
    }
}
