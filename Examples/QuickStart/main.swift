import Foundation
import Onyx

let model = try Model(contentsOf: URL(fileURLWithPath: "Models/mlp_fraud/model.onnx"))
let session = try InferenceSession(model: model, options: .init(threads: 2))
let input = try Tensor(shape: [1, 30], floats: (0..<30).map { Float($0) / 30 })
let outputs = try session.run(["input": input])
print(outputs["output"]!.floats)   // two class probabilities
