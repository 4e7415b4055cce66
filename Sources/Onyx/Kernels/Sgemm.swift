import COpenBLAS

/// OpenBLAS `cblas_sgemm` in row-major layout. OpenBLAS itself runs single-threaded;
/// Onyx splits a product over its own threads (by rows of C, or by columns when C has few
/// rows), so OpenBLAS's pool and Onyx's never compete for the cores.
enum Sgemm {
    /// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n], using up to `threads` threads.
    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        // Below ~2 MFLOP per thread the split costs more than it saves.
        let work = 2 * m * n * k
        let parts = max(1, min(threads, work / 2_000_000))
        if parts > 1 && m >= 8 * parts {
            Parallel.forEachChunk(m, threads: parts) { r in
                let aRows = transA ? a + r.lowerBound : a + r.lowerBound * lda
                runSingle(transA: transA, transB: transB, m: r.count, n: n, k: k, alpha: alpha, a: aRows, lda: lda,
                          b: b, ldb: ldb, beta: beta, c: c + r.lowerBound * ldc, ldc: ldc)
            }
        } else if parts > 1 && n >= 32 * parts {
            Parallel.forEachChunk(n, threads: parts) { r in
                let bCols = transB ? b + r.lowerBound * ldb : b + r.lowerBound
                runSingle(transA: transA, transB: transB, m: m, n: r.count, k: k, alpha: alpha, a: a, lda: lda,
                          b: bCols, ldb: ldb, beta: beta, c: c + r.lowerBound, ldc: ldc)
            }
        } else {
            runSingle(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// One OpenBLAS call on the current thread.
    static func runSingle(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
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
            if beta == 0 { for j in 0..<n { c[j] = 0 } } // never scale uninitialized memory
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

    /// Keeps OpenBLAS on the calling thread: Onyx does the splitting (see the type comment).
    static func configureOpenBLAS() {
        openblas_set_num_threads(1)
    }
}
