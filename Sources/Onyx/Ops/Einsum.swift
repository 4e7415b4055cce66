/// Einsum: products of the operands over the equation's labels, summed over the labels the
/// output leaves out. Handles implicit outputs (labels used once, in alphabetical order),
/// `...` broadcast across operands, repeated labels in an operand (diagonals), and every
/// numeric type. One pass over the full label space, with each operand's stride per label
/// (repeated labels add their strides).
enum EinsumOp {
    /// A parsed equation: per operand its labels (letters, or -1 for each axis `...` covers
    /// once resolved), and the output's.
    struct Equation {
        let inputs: [[Character]]      // "." marks where the ellipsis was
        let output: [Character]?       // nil: implicit
        let inputHasEllipsis: [Bool]
        let outputHasEllipsis: Bool

        init(_ text: String) throws {
            let s = text.filter { !$0.isWhitespace }
            let sides = s.components(separatedBy: "->")
            guard sides.count <= 2 else { throw KernelError("equation '\(text)' has more than one '->'") }
            func term(_ t: String) throws -> ([Character], Bool) {
                var labels: [Character] = [], ellipsis = false
                var rest = Substring(t)
                while let c = rest.first {
                    if rest.hasPrefix("...") {
                        guard !ellipsis else { throw KernelError("term '\(t)' of equation '\(text)' has two ellipses") }
                        ellipsis = true; labels.append("."); rest = rest.dropFirst(3); continue
                    }
                    guard c.isASCII, c.isLetter else {
                        throw KernelError("equation '\(text)': '\(c)' is not a letter label")
                    }
                    labels.append(c); rest = rest.dropFirst()
                }
                return (labels, ellipsis)
            }
            let terms = try sides[0].components(separatedBy: ",").map(term)
            inputs = terms.map(\.0); inputHasEllipsis = terms.map(\.1)
            if sides.count == 2 {
                let (o, e) = try term(sides[1])
                guard Set(o.filter { $0 != "." }).count == o.filter({ $0 != "." }).count else {
                    throw KernelError("equation '\(text)': an output label appears twice")
                }
                output = o; outputHasEllipsis = e
            } else {
                output = nil; outputHasEllipsis = inputHasEllipsis.contains(true)
            }
        }
    }

    static func make(_ ctx: OpContext) throws -> Kernel {
        let text = try ctx.string("equation", default: "")
        let eq: Equation
        do { eq = try Equation(text) } catch let e as KernelError { throw ctx.invalid("equation", e.message) }
        guard eq.inputs.count == ctx.node.inputs.count else {
            throw ctx.invalid("equation", "'\(text)' has \(eq.inputs.count) operand terms for \(ctx.node.inputs.count) inputs")
        }
        return Kernel(label: "einsum") { inputs in
            let xs = try (0..<eq.inputs.count).map { try inputs.required($0, "Inputs[\($0)]") }
            let type = xs[0].elementType
            guard xs.allSatisfy({ $0.elementType == type }) else {
                throw KernelError("Einsum inputs have different types: \(xs.map(\.elementType))")
            }
            return [try withArithmeticType(type, "Einsum") { t in try run(eq, text, xs, t) }]
        }
    }

    private static func run<T: ArithmeticScalar>(_ eq: Equation, _ text: String, _ xs: [Tensor], _ t: T.Type) throws -> Tensor {
        // Resolve each operand's axes to labels; ellipsis axes become "0", "1", ... counted
        // from the right of the broadcast ellipsis shape.
        var ellipsisShape: [Int] = []
        var axisLabels: [[String]] = []
        for (i, x) in xs.enumerated() {
            let letters = eq.inputs[i].filter { $0 != "." }.count
            let covered = x.rank - letters
            guard covered >= 0, eq.inputHasEllipsis[i] || covered == 0 else {
                throw KernelError("operand \(i) has rank \(x.rank) but its term '\(String(eq.inputs[i]))' of '\(text)' names \(letters) axes")
            }
            var labels: [String] = [], axis = 0
            for c in eq.inputs[i] {
                if c == "." {
                    let dims = Array(x.shape[axis..<(axis + covered)])
                    ellipsisShape = try Broadcast.shape(ellipsisShape, dims)
                    for k in 0..<covered { labels.append("\(covered - 1 - k)") }
                    axis += covered
                } else {
                    labels.append(String(c)); axis += 1
                }
            }
            axisLabels.append(labels)
        }
        let e = ellipsisShape.count
        let ellipsisLabels = (0..<e).map { "\(e - 1 - $0)" }
        // Sizes per label (ellipsis labels take the broadcast size; size-1 axes broadcast).
        var size: [String: Int] = [:]
        for (k, l) in ellipsisLabels.enumerated() { size[l] = ellipsisShape[k] }
        for (i, x) in xs.enumerated() {
            for (axis, l) in axisLabels[i].enumerated() where l.first?.isLetter == true {
                if let s = size[l], s != x.shape[axis] {
                    throw KernelError("label '\(l)' has size \(s) and \(x.shape[axis]) (operand \(i), axis \(axis)) in '\(text)'")
                }
                size[l] = x.shape[axis]
            }
        }
        // Output labels.
        var outLabels: [String] = []
        if let o = eq.output {
            for c in o {
                if c == "." { outLabels += ellipsisLabels; continue }
                guard size[String(c)] != nil else { throw KernelError("output label '\(c)' of '\(text)' is in no operand") }
                outLabels.append(String(c))
            }
            // An explicit output without "..." sums the broadcast axes away, as numpy does.
        } else {
            var counts: [Character: Int] = [:]
            for term in eq.inputs { for c in term where c != "." { counts[c, default: 0] += 1 } }
            outLabels = ellipsisLabels + counts.filter { $0.value == 1 }.keys.sorted().map { String($0) }
        }
        let summed = size.keys.filter { !outLabels.contains($0) }.sorted()
        let order = outLabels + summed
        let dims = order.map { size[$0]! }
        // Each operand's stride per label of `order` (0 where it lacks the label or broadcasts).
        let strides: [[Int]] = xs.enumerated().map { i, x in
            var s = [Int](repeating: 0, count: order.count)
            var step = 1
            for axis in stride(from: x.rank - 1, through: 0, by: -1) {
                let l = axisLabels[i][axis]
                if x.shape[axis] != 1 || size[l] == 1, let at = order.firstIndex(of: l) { s[at] += step }
                step *= x.shape[axis]
            }
            return s
        }
        let outShape = outLabels.map { size[$0]! }
        // Sizes multiply without trapping: a zero-size label can hide huge ones beside it.
        let outCount = try checkedElementCount(outShape)
        let sumSizes = summed.map { size[$0]! }
        var sumCount = sumSizes.contains(0) ? 0 : 1
        for s in sumSizes where sumCount > 0 {
            let (p, overflow) = sumCount.multipliedReportingOverflow(by: s)
            guard !overflow else { throw KernelError("equation '\(text)' sums over too many terms") }
            sumCount = p
        }
        let (work, overflow) = outCount.multipliedReportingOverflow(by: sumCount)
        guard !overflow, work <= 1 << 34 else {
            throw KernelError("equation '\(text)' needs \(outCount) outputs x \(sumCount) terms: too much work")
        }
        let ptrs = xs.map { UnsafePointer($0.pointer(as: T.self)) }
        return try Tensor.makeRaw(outShape, T.elementType) { raw in
            let y = raw.assumingMemoryBound(to: T.self)
            let zero = T(clamping: 0)
            if outCount == 0 { return }
            var index = [Int](repeating: 0, count: order.count)
            var offsets = [Int](repeating: 0, count: xs.count)
            // Steps the labels order[lowest...top] like an odometer (top fastest), moving
            // every operand's offset with them.
            func advance(from top: Int, downTo lowest: Int) {
                var d = top
                while d >= lowest {
                    index[d] += 1
                    for k in 0..<offsets.count { offsets[k] += strides[k][d] }
                    if index[d] < dims[d] { return }
                    for k in 0..<offsets.count { offsets[k] -= strides[k][d] * index[d] }
                    index[d] = 0
                    d -= 1
                }
            }
            for o in 0..<outCount {
                var acc = zero
                for _ in 0..<sumCount {
                    var p = ptrs[0][offsets[0]]
                    for k in 1..<ptrs.count { p = T.mul(p, ptrs[k][offsets[k]]) }
                    acc = T.add(acc, p)
                    advance(from: order.count - 1, downTo: outLabels.count)   // the summed labels
                }
                y[o] = acc
                advance(from: outLabels.count - 1, downTo: 0)   // the output's labels
            }
        }
    }
}
