import Foundation

/// Elementwise float32 math functions: Reciprocal, Floor, Ceil, Round (half to even), Erf
/// (GELU's), and the trigonometric and hyperbolic functions with their inverses.
extension UnaryOps {
    static let reciprocal: OpRegistry.Factory = float("reciprocal") { _ in { 1 / $0 } }
    static let floor: OpRegistry.Factory = float("floor") { _ in { $0.rounded(.down) } }
    static let ceil: OpRegistry.Factory = float("ceil") { _ in { $0.rounded(.up) } }
    static let round: OpRegistry.Factory = float("round") { _ in { $0.rounded(.toNearestOrEven) } }
    static let erf: OpRegistry.Factory = float("erf") { _ in { Foundation.erf($0) } }
    static let sin: OpRegistry.Factory = float("sin") { _ in { Foundation.sin($0) } }
    static let cos: OpRegistry.Factory = float("cos") { _ in { Foundation.cos($0) } }
    static let tan: OpRegistry.Factory = float("tan") { _ in { Foundation.tan($0) } }
    static let asin: OpRegistry.Factory = float("asin") { _ in { Foundation.asin($0) } }
    static let acos: OpRegistry.Factory = float("acos") { _ in { Foundation.acos($0) } }
    static let atan: OpRegistry.Factory = float("atan") { _ in { Foundation.atan($0) } }
    static let sinh: OpRegistry.Factory = float("sinh") { _ in { Foundation.sinh($0) } }
    static let cosh: OpRegistry.Factory = float("cosh") { _ in { Foundation.cosh($0) } }
    static let asinh: OpRegistry.Factory = float("asinh") { _ in { Foundation.asinh($0) } }
    static let acosh: OpRegistry.Factory = float("acosh") { _ in { Foundation.acosh($0) } }
    static let atanh: OpRegistry.Factory = float("atanh") { _ in { Foundation.atanh($0) } }
}
