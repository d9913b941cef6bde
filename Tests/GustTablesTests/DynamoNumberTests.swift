import Testing

@testable import GustTables

@Suite struct DynamoNumberTests {
    @Test(arguments: [
        ("100", "100"), ("1E2", "100"), ("1e+2", "100"), ("0.001", "0.001"), ("1E-3", "0.001"), ("-1.50", "-1.5"),
        ("007", "7"), ("+5", "5"), (".5", "0.5"), ("0", "0"), ("-0", "0"), ("0.000", "0"),
        ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        ("1E+100", "1E+100"), ("1.5E+39", "1.5E+39"), ("1E-130", "0." + String(repeating: "0", count: 129) + "1"),
    ])
    func canonicalText(input: String, expected: String) throws {
        #expect(try DynamoNumber(input).description == expected)
    }

    @Test(arguments: ["", "-", "abc", "1e", "1.2.3", "1e1e1", "0x10", "1 ", "NaN", "Infinity"])
    func refusesNonNumbers(input: String) {
        #expect(throws: TableError.self) { try DynamoNumber(input) }
    }

    @Test func limits() throws {
        #expect(throws: TableError.self) { try DynamoNumber("123456789012345678901234567890123456789") }
        #expect(throws: TableError.self) { try DynamoNumber("1E+126") }
        #expect(throws: TableError.self) { try DynamoNumber("1E-131") }
        _ = try DynamoNumber("9.9999999999999999999999999999999999999E+125")
    }

    @Test func exactArithmetic() throws {
        #expect(try DynamoNumber("0.1").adding(DynamoNumber("0.2")).description == "0.3")
        #expect(try DynamoNumber("1").subtracting(DynamoNumber("1")).description == "0")
        #expect(try DynamoNumber("-5").adding(DynamoNumber("3")).description == "-2")
        #expect(try DynamoNumber("99999999999999999999999999999999999999").subtracting(DynamoNumber("1")).description
            == "99999999999999999999999999999999999998")
        #expect(throws: TableError.self) {
            try DynamoNumber("99999999999999999999999999999999999999").adding(DynamoNumber("0.1"))
        }
    }

    @Test func orderAndOrderedBytes() throws {
        let texts = ["-1E+10", "-100", "-1.5", "-1", "-0.5", "-0.05", "0", "0.05", "0.5", "1", "1.5", "2", "10", "100", "1E+10"]
        let numbers = try texts.map { try DynamoNumber($0) }
        for (a, b) in zip(numbers, numbers.dropFirst()) {
            #expect(a < b, "\(a) < \(b)")
            #expect(a.orderedBytes.lexicographicallyPrecedes(b.orderedBytes), "bytes \(a) < \(b)")
        }
        #expect(try DynamoNumber("1.0") == DynamoNumber("1"))
    }
}
