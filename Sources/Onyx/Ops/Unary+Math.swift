import Foundation

/// Elementwise float32 math functions: Reciprocal, Floor, Ceil, Erf (GELU's), Sin, Cos.
extension UnaryOps {
    static let reciprocal: OpRegistry.Factory = float("reciprocal") { _ in { 1 / $0 } }
    static let floor: OpRegistry.Factory = float("floor") { _ in { $0.rounded(.down) } }
    static let ceil: OpRegistry.Factory = float("ceil") { _ in { $0.rounded(.up) } }
    static let erf: OpRegistry.Factory = float("erf") { _ in { Foundation.erf($0) } }
    static let sin: OpRegistry.Factory = float("sin") { _ in { Foundation.sin($0) } }
    static let cos: OpRegistry.Factory = float("cos") { _ in { Foundation.cos($0) } }
}
