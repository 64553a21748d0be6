import Foundation

/// The Encoder DocumentEncoder hands to each value. It keeps no coding
/// path (JSONEncoder's is most of its cost, and only its errors use it).
final class DocumentNodeEncoder: Encoder {
    var node: DocumentNode?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // Asked twice (a subclass and its superclass), it is the same object.
        if case .object(let object)? = node { return KeyedEncodingContainer(DocumentKeyedContainer(object)) }
        let object = DocumentObject()
        node = .object(object)
        return KeyedEncodingContainer(DocumentKeyedContainer(object))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array(let array)? = node { return DocumentUnkeyedContainer(array) }
        let array = DocumentArray()
        node = .array(array)
        return DocumentUnkeyedContainer(array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        DocumentSingleValueContainer(encoder: self)
    }
}

struct DocumentKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: DocumentObject
    var codingPath: [any CodingKey] { [] }

    init(_ object: DocumentObject) {
        self.object = object
    }

    private func add(_ node: DocumentNode, _ key: Key) {
        object.entries.append((key.stringValue, node))
    }

    mutating func encodeNil(forKey key: Key) throws { add(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { add(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { add(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { add(try .number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { add(try .number(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { add(.number(String(value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { add(try .make(value), key) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = DocumentObject()
        add(.object(nested), key)
        return KeyedEncodingContainer(DocumentKeyedContainer<NestedKey>(nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = DocumentArray()
        add(.array(nested), key)
        return DocumentUnkeyedContainer(nested)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = DocumentNodeEncoder()
        object.entries.append(("super", .deferred(encoder)))
        return encoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let encoder = DocumentNodeEncoder()
        add(.deferred(encoder), key)
        return encoder
    }
}

struct DocumentUnkeyedContainer: UnkeyedEncodingContainer {
    let array: DocumentArray
    var codingPath: [any CodingKey] { [] }
    var count: Int { array.items.count }

    init(_ array: DocumentArray) {
        self.array = array
    }

    mutating func encodeNil() throws { array.items.append(.null) }
    mutating func encode(_ value: Bool) throws { array.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { array.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { array.items.append(try .number(value)) }
    mutating func encode(_ value: Float) throws { array.items.append(try .number(value)) }
    mutating func encode(_ value: Int) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { array.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { array.items.append(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { array.items.append(try .make(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = DocumentObject()
        array.items.append(.object(nested))
        return KeyedEncodingContainer(DocumentKeyedContainer<NestedKey>(nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = DocumentArray()
        array.items.append(.array(nested))
        return DocumentUnkeyedContainer(nested)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = DocumentNodeEncoder()
        array.items.append(.deferred(encoder))
        return encoder
    }
}

struct DocumentSingleValueContainer: SingleValueEncodingContainer {
    let encoder: DocumentNodeEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.node = try .number(value) }
    mutating func encode(_ value: Float) throws { encoder.node = try .number(value) }
    mutating func encode(_ value: Int) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .number(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.node = try .make(value) }
}
