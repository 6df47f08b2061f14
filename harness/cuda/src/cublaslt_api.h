// The part of the cuBLASLt C API the harness calls, declared here and resolved with dlopen at run time, so
// the harness builds with nothing but nvcc and the CUDA runtime (no cuBLAS headers needed) and finds the
// library wherever it is installed (toolkit lib64, or a pip wheel's nvidia/cublas/lib). The values are
// those of the public cublasLt.h / cublas_api.h (stable since CUDA 11); the harness checks every
// precision on a small GEMM against a reference kernel before timing it, so a mismatch could not go
// unnoticed.
#pragma once
#include <cuda_runtime.h>
#include <library_types.h>

#include <cstddef>
#include <cstdint>

namespace lt {

typedef int Status;  // cublasStatus_t; 0 = CUBLAS_STATUS_SUCCESS
typedef struct Context* Handle;
typedef struct MatmulDescOpaque* MatmulDesc;
typedef struct MatrixLayoutOpaque* MatrixLayout;
typedef struct PreferenceOpaque* Preference;

struct Algo {
  uint64_t data[8];
};
struct HeuristicResult {
  Algo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};

// cublasComputeType_t
constexpr int COMPUTE_32F = 68;
constexpr int COMPUTE_32I = 72;
// cublasOperation_t
constexpr int OP_N = 0;
constexpr int OP_T = 1;
// cublasLtMatmulDescAttributes_t
constexpr int DESC_TRANSA = 3;
constexpr int DESC_TRANSB = 4;
constexpr int DESC_FAST_ACCUM = 25;
// cublasLtMatmulPreferenceAttributes_t
constexpr int PREF_MAX_WORKSPACE_BYTES = 1;

struct Api {
  Status (*create)(Handle*);
  Status (*destroy)(Handle);
  size_t (*getVersion)();
  Status (*descCreate)(MatmulDesc*, int computeType, cudaDataType scaleType);
  Status (*descDestroy)(MatmulDesc);
  Status (*descSetAttribute)(MatmulDesc, int attr, const void* buf, size_t size);
  Status (*layoutCreate)(MatrixLayout*, cudaDataType type, uint64_t rows, uint64_t cols, int64_t ld);
  Status (*layoutDestroy)(MatrixLayout);
  Status (*prefCreate)(Preference*);
  Status (*prefDestroy)(Preference);
  Status (*prefSetAttribute)(Preference, int attr, const void* buf, size_t size);
  Status (*algoGetHeuristic)(Handle, MatmulDesc, MatrixLayout A, MatrixLayout B, MatrixLayout C, MatrixLayout D, Preference,
                             int requested, HeuristicResult* results, int* returned);
  Status (*matmul)(Handle, MatmulDesc, const void* alpha, const void* A, MatrixLayout Adesc, const void* B, MatrixLayout Bdesc,
                   const void* beta, const void* C, MatrixLayout Cdesc, void* D, MatrixLayout Ddesc, const Algo* algo,
                   void* workspace, size_t workspaceSize, cudaStream_t stream);
};

}  // namespace lt
