import COpenBLAS

/// Thin wrapper over OpenBLAS `cblas_sgemm` in row-major layout.
enum Sgemm {
    /// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n].
    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // No products to sum: C = beta * C.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        if m == 1 {
            // One row: a matrix-vector product reads B once and skips sgemm's packing.
            let incx = Int32(transA ? lda : 1)
            if beta == 0 { c.update(repeating: 0, count: n) } // never scale uninitialized memory
            if transB { // B is [n, k]
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, incx, beta, c, 1)
            } else {    // B is [k, n]
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, incx, beta, c, 1)
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets the thread count of OpenBLAS's own pool.
    static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }
}
