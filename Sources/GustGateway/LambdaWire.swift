import Foundation
import GustCore
import GustHTTP
import HTTPTypes
import Hummingbird
import NIOCore

/// Lambda's JSON shapes, both ways.
enum LambdaWire {
    static func configuration(_ c: FunctionConfiguration, qualifiedARN: Bool = false) -> [String: Any] {
        var object: [String: Any] = [
            "FunctionName": c.name,
            "FunctionArn": FunctionName.arn(c.name, qualifier: c.version == FunctionConfiguration.latest && !qualifiedARN ? nil : c.version),
            "Runtime": c.runtime,
            "Role": c.role.isEmpty ? "arn:aws:iam::\(FunctionName.account):role/gust" : c.role,
            "Handler": c.handler,
            "CodeSize": c.codeSize,
            "Description": c.description,
            "Timeout": c.timeoutSeconds,
            "MemorySize": c.memoryMB,
            "LastModified": timestamp(c.lastModified),
            "CodeSha256": c.codeSha256,
            "Version": c.version,
            "RevisionId": c.revisionID,
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": ["x86_64"],
            "TracingConfig": ["Mode": "PassThrough"],
            "EphemeralStorage": ["Size": c.tmpMB],
            "GustNetwork": c.networkPolicy.rawValue,
        ]
        if !c.environment.isEmpty { object["Environment"] = ["Variables": c.environment] }
        if let keepAlive = c.keepAliveSeconds { object["GustKeepAliveSeconds"] = keepAlive }
        if let target = c.deadLetterTargetArn { object["DeadLetterConfig"] = ["TargetArn": target] }
        return object
    }

    static func alias(_ a: Alias) -> [String: Any] {
        var object: [String: Any] = [
            "AliasArn": FunctionName.arn(a.functionName, qualifier: a.name),
            "Name": a.name,
            "FunctionVersion": a.functionVersion,
            "Description": a.description,
            "RevisionId": a.revisionID,
        ]
        if !a.additionalVersionWeights.isEmpty {
            object["RoutingConfig"] = ["AdditionalVersionWeights": a.additionalVersionWeights]
        }
        return object
    }

    /// The function and qualifier a Lambda path names (`name`, `name:qualifier`, `?Qualifier=`).
    static func target(_ request: Request, _ context: some RequestContext) throws(GustError) -> (String, String?) {
        try target(
            rawName: context.parameters.get("name") ?? "", queryQualifier: request.uri.queryParameters.get("Qualifier"))
    }

    /// The same from the raw (percent-encoded) path segment and the decoded `Qualifier` parameter.
    static func target(rawName: String, queryQualifier: String?) throws(GustError) -> (String, String?) {
        let (name, pathQualifier) = try FunctionName.parse(RouteTable.percentDecoded(rawName))
        if let pathQualifier, let queryQualifier, pathQualifier != queryQualifier {
            throw .invalid("The derived qualifier from the function name does not match the specified qualifier.")
        }
        let qualifier = pathQualifier ?? queryQualifier
        if let qualifier { try FunctionName.validateQualifier(qualifier) }
        return (name, qualifier)
    }

    /// `Cors` as function URLs (and Gust's routes) write it.
    static func cors(_ wire: [String: Any]) -> RouteCORS {
        RouteCORS(
            allowOrigins: wire["AllowOrigins"] as? [String] ?? ["*"], allowMethods: wire["AllowMethods"] as? [String] ?? ["*"],
            allowHeaders: wire["AllowHeaders"] as? [String] ?? ["*"], exposeHeaders: wire["ExposeHeaders"] as? [String] ?? [],
            maxAge: (wire["MaxAge"] as? NSNumber)?.intValue, allowCredentials: wire["AllowCredentials"] as? Bool ?? false)
    }

    static func wire(_ cors: RouteCORS) -> [String: Any] {
        var object: [String: Any] = [
            "AllowOrigins": cors.allowOrigins, "AllowMethods": cors.allowMethods, "AllowHeaders": cors.allowHeaders,
            "ExposeHeaders": cors.exposeHeaders, "AllowCredentials": cors.allowCredentials,
        ]
        if let maxAge = cors.maxAge { object["MaxAge"] = maxAge }
        return object
    }

    /// Lambda's `LastModified` form: `2024-01-02T03:04:05.678+0000`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        return formatter.string(from: date)
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentLength: "0"])
    }

    /// The request body as a JSON object; an empty body is an empty object.
    static func body(_ request: Request) async throws -> [String: Any] {
        var request = request
        let buffer = try await request.collectBody(upTo: 80 * 1024 * 1024)
        if buffer.readableBytes == 0 { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw GustError(.invalidRequestContent, "Could not parse request body into json: the body is not a JSON object")
        }
        return object
    }

    static func bytes(_ request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        do {
            return Array(buffer: try await request.collectBody(upTo: limit))
        } catch {
            throw GustError(.requestTooLarge, "Request must be smaller than \(limit) bytes for the Invoke operation")
        }
    }

    // Typed field access with Lambda's validation messages.

    static func string(_ object: [String: Any], _ key: String, required: Bool = false) throws(GustError) -> String? {
        guard let value = object[key], !(value is NSNull) else {
            if required { throw .invalid("1 validation error detected: Value null at '\(lowerFirst(key))' failed to satisfy constraint: Member must not be null") }
            return nil
        }
        guard let string = value as? String else { throw .invalid("Value for \(key) must be a string") }
        return string
    }

    static func int(_ object: [String: Any], _ key: String) throws(GustError) -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        // Not `value is Bool`: on Linux every NSNumber answers yes to that.
        guard let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded() else {
            throw .invalid("Value for \(key) must be an integer")
        }
        return number.intValue
    }

    static func bool(_ object: [String: Any], _ key: String) throws(GustError) -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let bool = value as? Bool else { throw .invalid("Value for \(key) must be a boolean") }
        return bool
    }

    /// `EphemeralStorage.Size` in MB.
    static func ephemeralStorage(_ object: [String: Any]) throws(GustError) -> Int? {
        guard let value = object["EphemeralStorage"], !(value is NSNull) else { return nil }
        guard let storage = value as? [String: Any] else { throw .invalid("EphemeralStorage must be an object") }
        return try int(storage, "Size")
    }

    /// `DeadLetterConfig.TargetArn`; an empty object or target clears it (as "").
    static func deadLetterTarget(_ object: [String: Any]) throws(GustError) -> String? {
        guard let value = object["DeadLetterConfig"], !(value is NSNull) else { return nil }
        guard let config = value as? [String: Any] else { throw .invalid("DeadLetterConfig must be an object") }
        return try string(config, "TargetArn") ?? ""
    }

    /// Gust's extension field `GustNetwork`: none, gust-only, egress or host.
    static func network(_ object: [String: Any]) throws(GustError) -> NetworkPolicy? {
        try string(object, "GustNetwork").map { text throws(GustError) in try NetworkPolicy.parse(text) }
    }

    static func environment(_ object: [String: Any]) throws(GustError) -> [String: String]? {
        guard let value = object["Environment"], !(value is NSNull) else { return nil }
        guard let env = value as? [String: Any] else { throw .invalid("Environment must be an object") }
        guard let variables = env["Variables"] else { return [:] }
        guard let dict = variables as? [String: Any] else { throw .invalid("Environment.Variables must be an object") }
        var result: [String: String] = [:]
        for (key, value) in dict {
            guard let string = value as? String else { throw .invalid("Environment variable \(key) must be a string") }
            result[key] = string
        }
        return result
    }

    static func zipFile(_ object: [String: Any]) throws(GustError) -> [UInt8]? {
        guard let value = object["ZipFile"], !(value is NSNull) else { return nil }
        guard let string = value as? String, let data = Data(base64Encoded: string) else {
            throw .invalid("ZipFile must be base64-encoded zip content")
        }
        return Array(data)
    }

    static func weights(_ object: [String: Any]) throws(GustError) -> [String: Double]? {
        guard let routing = object["RoutingConfig"], !(routing is NSNull) else { return nil }
        guard let routingObject = routing as? [String: Any] else { throw .invalid("RoutingConfig must be an object") }
        guard let weights = routingObject["AdditionalVersionWeights"] else { return [:] }
        guard let dict = weights as? [String: Any] else { throw .invalid("AdditionalVersionWeights must be an object") }
        var result: [String: Double] = [:]
        for (version, weight) in dict {
            guard let number = weight as? NSNumber else { throw .invalid("Weight for \(version) must be a number") }
            result[version] = number.doubleValue
        }
        return result
    }

    private static func lowerFirst(_ key: String) -> String { key.prefix(1).lowercased() + key.dropFirst() }
}

/// The Lambda API's own header names, made once (a name is validated and lower-cased when made).
extension HTTPField.Name {
    static let amzInvocationType = Self("X-Amz-Invocation-Type")!
    static let amzClientContext = Self("X-Amz-Client-Context")!
    static let amzLogType = Self("X-Amz-Log-Type")!
    static let amzLogResult = Self("X-Amz-Log-Result")!
    static let amzExecutedVersion = Self("X-Amz-Executed-Version")!
    static let amzFunctionError = Self("X-Amz-Function-Error")!
    static let amznRequestID = Self("x-amzn-RequestId")!
    static let amznErrorType = Self("x-amzn-ErrorType")!
}
