import COnnxProto
import Foundation

/// Turns a protobuf-c `TensorProto` into a `Tensor`, validating sizes before copying.
struct TensorProtoDecoder {
    /// Folder that external-data paths are resolved against; nil forbids external data.
    var baseDirectory: URL?
    /// Largest tensor (in bytes) we agree to allocate from declared dims: the same cap as
    /// every other tensor, so an oversized initializer is an `OnyxError` naming it.
    var maxTensorBytes: Int = Onyx.maxTensorBytes

    /// Decodes `proto`; `what` names it in errors ("initializer 'W'").
    func decode(_ proto: UnsafePointer<Onnx__TensorProto>, what: String) throws -> Tensor {
        do {
            return try decodeChecked(proto, what: what)
        } catch let e as KernelError {
            // A size limit inside the tensor constructors: still the caller's bad tensor.
            throw OnyxError.invalidTensor("\(what): \(e.message)")
        }
    }

    private func decodeChecked(_ proto: UnsafePointer<Onnx__TensorProto>, what: String) throws -> Tensor {
        let t = proto.pointee
        let dims = Array(UnsafeBufferPointer(start: t.dims, count: t.n_dims))
        if let bad = dims.first(where: { $0 < 0 }) {
            throw OnyxError.invalidTensor("\(what) has negative dimension \(bad) in dims \(dims)")
        }
        guard t.has_data_type != 0, let type = ElementType(rawValue: t.data_type) else {
            let code = t.has_data_type != 0 ? t.data_type : 0
            throw OnyxError.invalidTensor(
                "\(what) has unsupported data type \(ElementType.onnxName(of: code))")
        }
        if t.has_segment != 0 {
            throw OnyxError.invalidTensor("\(what) is a segmented tensor, which is not supported")
        }
        // Count with overflow checks so absurd dims fail before any allocation; zero dims
        // do not hide huge others (later index arithmetic multiplies them).
        // The element limit is the one `Tensor.makeRaw` applies below, so a shape it would
        // refuse is refused here, as an error naming the tensor.
        let count: Int
        do { count = try checkedElementCount(dims.map { Int($0) }, limit: maxTensorBytes / type.byteSize) } catch {
            throw OnyxError.invalidTensor(
                "\(what) declares dims \(dims), too large to allocate (limit \(maxTensorBytes) bytes)")
        }
        let byteCount = count * type.byteSize
        let shape = dims.map { Int($0) }

        if t.has_data_location != 0 && t.data_location == 1 {
            let bytes = try readExternal(t, byteCount: byteCount, what: what)
            return try Tensor.makeRaw(shape, type) { dst in
                bytes.withUnsafeBytes { dst.copyMemory(from: $0.baseAddress!, byteCount: byteCount) }
            }
        }
        if t.has_raw_data != 0 {
            guard t.raw_data.len == byteCount else {
                throw OnyxError.invalidTensor(
                    "\(what): raw_data holds \(t.raw_data.len) bytes but dims \(dims) of \(type) need \(byteCount)")
            }
            return try Tensor.makeRaw(shape, type) { dst in
                if byteCount > 0 { dst.copyMemory(from: t.raw_data.data, byteCount: byteCount) }
            }
        }
        return try decodeTypedFields(t, shape: shape, count: count, type: type, what: what)
    }

    private func decodeTypedFields(_ t: Onnx__TensorProto, shape: [Int], count: Int,
                                   type: ElementType, what: String) throws -> Tensor {
        func check(_ n: Int, _ field: String) throws {
            guard n == count else {
                throw OnyxError.invalidTensor(
                    "\(what): \(field) holds \(n) values but dims \(shape) need \(count)")
            }
        }
        switch type {
        case .float32:
            try check(t.n_float_data, "float_data")
            return try Tensor.makeRaw(shape, type) { dst in
                if count > 0 { dst.copyMemory(from: t.float_data, byteCount: count * 4) }
            }
        case .float64:
            try check(t.n_double_data, "double_data")
            return try Tensor.makeRaw(shape, type) { dst in
                if count > 0 { dst.copyMemory(from: t.double_data, byteCount: count * 8) }
            }
        case .int64:
            try check(t.n_int64_data, "int64_data")
            return try Tensor.makeRaw(shape, type) { dst in
                if count > 0 { dst.copyMemory(from: t.int64_data, byteCount: count * 8) }
            }
        case .uint32, .uint64:
            try check(t.n_uint64_data, "uint64_data")
            let src = UnsafeBufferPointer(start: t.uint64_data, count: t.n_uint64_data)
            return try Tensor.makeRaw(shape, type) { dst in
                for i in 0..<count {
                    if type == .uint64 { dst.storeBytes(of: src[i], toByteOffset: i * 8, as: UInt64.self) }
                    else { dst.storeBytes(of: UInt32(truncatingIfNeeded: src[i]), toByteOffset: i * 4, as: UInt32.self) }
                }
            }
        case .int16, .uint16:
            try check(t.n_int32_data, "int32_data")
            let src = UnsafeBufferPointer(start: t.int32_data, count: t.n_int32_data)
            return try Tensor.makeRaw(shape, type) { dst in
                for i in 0..<count { dst.storeBytes(of: UInt16(truncatingIfNeeded: src[i]), toByteOffset: i * 2, as: UInt16.self) }
            }
        case .int32, .int8, .uint8, .bool:
            // ONNX stores these one per int32_data entry.
            try check(t.n_int32_data, "int32_data")
            let src = UnsafeBufferPointer(start: t.int32_data, count: t.n_int32_data)
            return try Tensor.makeRaw(shape, type) { dst in
                for i in 0..<count {
                    switch type {
                    case .int32: dst.storeBytes(of: src[i], toByteOffset: i * 4, as: Int32.self)
                    case .int8: dst.storeBytes(of: Int8(truncatingIfNeeded: src[i]), toByteOffset: i, as: Int8.self)
                    case .bool: dst.storeBytes(of: src[i] != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self)
                    default: dst.storeBytes(of: UInt8(truncatingIfNeeded: src[i]), toByteOffset: i, as: UInt8.self)
                    }
                }
            }
        }
    }

    /// Reads `location`/`offset`/`length` data from a file inside `baseDirectory`.
    private func readExternal(_ t: Onnx__TensorProto, byteCount: Int, what: String) throws -> Data {
        var entries: [String: String] = [:]
        for i in 0..<t.n_external_data {
            guard let e = t.external_data[i] else { continue }
            entries[e.pointee.key.map { String(cString: $0) } ?? ""] =
                e.pointee.value.map { String(cString: $0) } ?? ""
        }
        guard let base = baseDirectory else {
            throw OnyxError.invalidTensor("\(what) uses external data, but the model was not loaded from a file")
        }
        guard let location = entries["location"], !location.isEmpty else {
            throw OnyxError.invalidTensor("\(what) uses external data without a 'location'")
        }
        let file = try ExternalDataPath.resolve(location, in: base, what: what)
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 } ?? byteCount
        guard offset >= 0, length == byteCount, !offset.addingReportingOverflow(length).overflow else {
            throw OnyxError.invalidTensor(
                "\(what): external data offset \(entries["offset"] ?? "0") / length \(entries["length"] ?? "-") do not fit \(byteCount) bytes")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: file.path) else {
            throw OnyxError.invalidTensor("\(what): cannot open external data file '\(location)'")
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map { Int(clamping: $0) } ?? 0
        guard offset + length <= size else {
            throw OnyxError.invalidTensor(
                "\(what): external data file '\(location)' has \(size) bytes, needs \(offset + length)")
        }
        let data: Data
        do {
            try handle.seek(toOffset: UInt64(offset))
            data = try handle.read(upToCount: length) ?? Data()
        } catch {
            throw OnyxError.invalidTensor("\(what): cannot read external data file '\(location)' (\(error.localizedDescription))")
        }
        guard data.count == length else {
            throw OnyxError.invalidTensor("\(what): short read from external data file '\(location)'")
        }
        return data
    }
}

/// Resolves external-data locations, refusing any path that leaves the model's folder.
enum ExternalDataPath {
    static func resolve(_ location: String, in base: URL, what: String) throws -> URL {
        if location.hasPrefix("/") || location.contains("\0") {
            throw OnyxError.invalidTensor("\(what): external data path '\(location)' must be relative to the model's folder")
        }
        let root = base.standardizedFileURL.resolvingSymlinksInPath()
        let file = root.appendingPathComponent(location).standardizedFileURL.resolvingSymlinksInPath()
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        guard file.path.hasPrefix(rootPath) else {
            throw OnyxError.invalidTensor("\(what): external data path '\(location)' leaves the model's folder")
        }
        return file
    }
}
