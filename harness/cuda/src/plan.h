// The sweep plan: which shapes and sizes the CUDA harness measures. Mirrors harness/common/plan.ts
// (backend 'cuda'); `--plan` prints it and test/harness/cuda.test.ts checks that both agree item for item.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

struct Model {
  std::string name;
  int hidden = 0, heads = 0, kvHeads = 0, headDim = 0, ffn = 0;
  bool gated = true;
};

struct LinearOp {
  std::string name;  // qkv | o | gateUp | down
  int64_t n = 0, k = 0;
};

struct GemmItem {
  std::string dtype;  // bf16 | fp16 | fp8 | int8
  int64_t m = 0, n = 0, k = 0;
  std::string op;
  double flops = 0;
};

struct BandwidthItem {
  std::string kind;  // copy | triad | read | gemv
  int64_t arrayBytes = 0;  // stream kernels
  int64_t n = 0, k = 0;    // gemv
  std::string op;
  int64_t bytes = 0;
  std::string dtype;
};

struct AttentionItem {
  std::string phase;  // prefill | decode
  int batch = 0, queryTokens = 0, contextTokens = 0, numHeads = 0, numKvHeads = 0, headDim = 0;
  std::string dtype;
  bool causal = true;
  double flops = 0;
  int64_t kvBytes = 0;
};

struct TransferItem {
  std::string direction;  // h2d | d2h
  bool pinned = true;
  int64_t bytes = 0;
};

struct AllReduceItem {
  int64_t bytes = 0;
  std::string dtype;
};

struct PowerItem {
  std::string load;
  double durationSec = 0, sampleIntervalSec = 0;
};

struct Plan {
  bool quick = false;
  int repeats = 0, warmup = 0;
  std::string cc;
  std::vector<Model> models;
  std::vector<int> tp;
  std::vector<GemmItem> gemm;
  std::vector<BandwidthItem> bandwidth;
  std::vector<AttentionItem> attention;
  std::vector<TransferItem> hostTransfer;
  std::vector<AllReduceItem> allReduce;
  std::vector<PowerItem> power;
  std::vector<std::string> notes;
};

std::vector<Model> presetModels();
/** A preset name or name:hidden:heads:kvHeads:headDim:ffn[:gated|:plain]; throws std::invalid_argument. */
Model parseModelSpec(const std::string& spec);
/** The four linear layers of one decoder layer on one TP rank; throws std::invalid_argument. */
std::vector<LinearOp> linearOps(const Model& m, int tp);
/** "9.0" → 90; throws std::invalid_argument. */
int ccNumber(const std::string& cc);
std::vector<std::string> cudaGemmDtypes(const std::string& cc, bool quick);
Plan planSweep(bool quick, const std::string& cc, std::vector<Model> models, std::vector<int> tp);
std::string planJson(const Plan& p);
