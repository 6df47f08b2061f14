#include "plan.h"

#include <algorithm>
#include <stdexcept>

#include "json.h"

namespace {
constexpr int64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

const std::vector<int> kTokensFull = {1,   2,   4,    8,    16,   24,   32,   48,   64,   96,    128,  192,  256,
                                      384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384};
const std::vector<int> kTokensQuick = {1, 16, 128, 1024, 4096};

double attentionPairs(double q, double c, bool causal) { return causal ? q * c + q * (q + 1) / 2 : q * (c + q); }
}  // namespace

std::vector<Model> presetModels() {
  return {
      {"llama-3.1-8b", 4096, 32, 8, 128, 14336, true},
      {"llama-3.1-70b", 8192, 64, 8, 128, 28672, true},
  };
}

Model parseModelSpec(const std::string& spec) {
  for (const auto& m : presetModels()) if (m.name == spec) return m;
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t p = spec.find(':', start);
    parts.push_back(spec.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  if (parts.size() < 6 || parts.size() > 7) {
    throw std::invalid_argument("unknown model \"" + spec + "\": use llama-3.1-8b, llama-3.1-70b or name:hidden:heads:kvHeads:headDim:ffn[:gated|:plain]");
  }
  Model m;
  m.name = parts[0];
  int* fields[] = {&m.hidden, &m.heads, &m.kvHeads, &m.headDim, &m.ffn};
  for (int i = 0; i < 5; i++) {
    const std::string& s = parts[i + 1];
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || std::stoll(s) <= 0 || std::stoll(s) > 1 << 30) {
      throw std::invalid_argument("model \"" + spec + "\": sizes must be positive integers");
    }
    *fields[i] = std::stoi(s);
  }
  const std::string flag = parts.size() == 7 ? parts[6] : "gated";
  if (flag != "gated" && flag != "plain") throw std::invalid_argument("model \"" + spec + "\": last field must be gated or plain");
  m.gated = flag == "gated";
  if (m.heads % m.kvHeads != 0) throw std::invalid_argument("model \"" + spec + "\": heads must be a multiple of kvHeads");
  return m;
}

std::vector<LinearOp> linearOps(const Model& m, int tp) {
  if (tp < 1) throw std::invalid_argument("tp must be a positive integer");
  if (m.heads % tp != 0) throw std::invalid_argument(m.name + ": heads not divisible by tp " + std::to_string(tp));
  if (m.ffn % tp != 0) throw std::invalid_argument(m.name + ": ffn not divisible by tp " + std::to_string(tp));
  if (m.kvHeads % tp != 0 && tp % m.kvHeads != 0) {
    throw std::invalid_argument(m.name + ": kvHeads and tp " + std::to_string(tp) + " do not divide one another");
  }
  const int64_t headsPerRank = m.heads / tp;
  const int64_t kvPerRank = std::max<int64_t>(1, m.kvHeads / tp);
  const int64_t g = m.gated ? 2 : 1;
  return {
      {"qkv", (headsPerRank + 2 * kvPerRank) * m.headDim, m.hidden},
      {"o", m.hidden, headsPerRank * m.headDim},
      {"gateUp", g * m.ffn / tp, m.hidden},
      {"down", m.hidden, m.ffn / tp},
  };
}

int ccNumber(const std::string& cc) {
  const size_t dot = cc.find('.');
  const bool digits = dot != std::string::npos && dot > 0 && dot + 1 < cc.size() &&
                      cc.find_first_not_of("0123456789") == dot && cc.find_first_not_of("0123456789", dot + 1) == std::string::npos;
  if (!digits || dot > 3 || cc.size() - dot - 1 > 3) {
    throw std::invalid_argument("compute capability must look like \"9.0\", got \"" + cc + "\"");
  }
  return std::stoi(cc.substr(0, dot)) * 10 + std::stoi(cc.substr(dot + 1));
}

std::vector<std::string> cudaGemmDtypes(const std::string& cc, bool quick) {
  const int v = ccNumber(cc);
  std::vector<std::string> all;
  if (v >= 80) all.push_back("bf16");
  if (v >= 70) all.push_back("fp16");
  if (v >= 89) all.push_back("fp8");
  if (v >= 75) all.push_back("int8");
  if (!quick) return all;
  std::vector<std::string> q;
  if (!all.empty()) q.push_back(all[0]);
  if (std::find(all.begin(), all.end(), "fp8") != all.end()) q.push_back("fp8");
  return q;
}

Plan planSweep(bool quick, const std::string& cc, std::vector<Model> models, std::vector<int> tps) {
  Plan p;
  p.quick = quick;
  p.cc = cc;
  if (models.empty()) {
    auto preset = presetModels();
    models = quick ? std::vector<Model>{preset[0]} : preset;
  }
  if (tps.empty()) tps = {1};
  p.models = models;
  p.tp = tps;
  p.repeats = quick ? 5 : 20;
  p.warmup = quick ? 2 : 3;

  // GEMM: linear layers of each model per TP rank, across token counts and precisions.
  const auto& tokens = quick ? kTokensQuick : kTokensFull;
  for (const auto& dtype : cudaGemmDtypes(cc, quick)) {
    for (const auto& m : models) {
      for (int tp : tps) {
        for (const auto& op : linearOps(m, tp)) {
          for (int t : tokens) {
            p.gemm.push_back({dtype, t, op.n, op.k, m.name + "/tp" + std::to_string(tp) + "/" + op.name, 2.0 * t * op.n * op.k});
          }
        }
      }
    }
  }

  // Memory bandwidth: stream kernels over arrays of each size, then weight-streaming GEMV.
  const std::vector<int64_t> arraySizes =
      quick ? std::vector<int64_t>{64 * MiB, 1 * GiB} : std::vector<int64_t>{1 * MiB, 4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, 1 * GiB, 2 * GiB};
  for (const char* kind : {"copy", "triad", "read"}) {
    const int64_t mult = std::string(kind) == "copy" ? 2 : std::string(kind) == "triad" ? 3 : 1;
    for (int64_t a : arraySizes) {
      BandwidthItem b;
      b.kind = kind;
      b.arrayBytes = a;
      b.bytes = mult * a;
      b.dtype = "f32x4";
      p.bandwidth.push_back(b);
    }
  }
  for (const auto& m : models) {
    for (int tp : tps) {
      for (const auto& op : linearOps(m, tp)) {
        BandwidthItem b;
        b.kind = "gemv";
        b.n = op.n;
        b.k = op.k;
        b.bytes = (op.n * op.k + op.k + op.n) * 2;
        b.dtype = "bf16";
        b.op = m.name + "/tp" + std::to_string(tp) + "/" + op.name;
        p.bandwidth.push_back(b);
      }
    }
  }

  // Attention: prefill over chunk × context, decode over batch × context.
  const std::vector<int> chunks = quick ? std::vector<int>{512, 2048} : std::vector<int>{128, 512, 2048, 8192};
  const std::vector<int> prefillCtx = quick ? std::vector<int>{0, 4096} : std::vector<int>{0, 1024, 4096, 16384};
  const std::vector<int> decodeBatch = quick ? std::vector<int>{1, 32} : std::vector<int>{1, 8, 32, 128, 256};
  const std::vector<int> decodeCtx = quick ? std::vector<int>{1024, 4096} : std::vector<int>{128, 1024, 4096, 16384, 32768};
  const int64_t maxDecodeTokens = 1 << 20;
  const size_t attnModels = quick ? 1 : models.size();
  for (size_t mi = 0; mi < attnModels; mi++) {
    const Model& m = models[mi];
    for (int tp : tps) {
      AttentionItem base;
      base.numHeads = m.heads / tp;
      base.numKvHeads = std::max(1, m.kvHeads / tp);
      base.headDim = m.headDim;
      base.dtype = "bf16";
      base.causal = true;
      auto finish = [&](AttentionItem a) {
        a.flops = 4.0 * a.headDim * a.numHeads * a.batch * attentionPairs(a.queryTokens, a.contextTokens, a.causal);
        a.kvBytes = 2LL * a.batch * (a.contextTokens + a.queryTokens) * a.numKvHeads * a.headDim * 2;
        p.attention.push_back(a);
      };
      for (int q : chunks) {
        for (int c : prefillCtx) {
          AttentionItem a = base;
          a.phase = "prefill";
          a.batch = 1;
          a.queryTokens = q;
          a.contextTokens = c;
          finish(a);
        }
      }
      for (int b : decodeBatch) {
        for (int c : decodeCtx) {
          if (static_cast<int64_t>(b) * c > maxDecodeTokens) continue;
          AttentionItem a = base;
          a.phase = "decode";
          a.batch = b;
          a.queryTokens = 1;
          a.contextTokens = c;
          finish(a);
        }
      }
    }
  }

  // Host transfers, all-reduce, power.
  const std::vector<int64_t> sizes = quick ? std::vector<int64_t>{1 * MiB, 256 * MiB} : std::vector<int64_t>{64 * KiB, 1 * MiB, 16 * MiB, 256 * MiB, 1 * GiB};
  for (bool pinned : {true, false}) {
    for (const char* dir : {"h2d", "d2h"}) {
      for (int64_t s : sizes) p.hostTransfer.push_back({dir, pinned, s});
    }
  }
  if (quick) {
    for (int64_t s : {1 * MiB, 16 * MiB, 256 * MiB}) p.allReduce.push_back({s, "bf16"});
  } else {
    for (int64_t s = 1 * KiB; s <= 1 * GiB; s *= 4) p.allReduce.push_back({s, "bf16"});
  }
  p.power.push_back({"gemm bf16 8192x8192x8192 loop", quick ? 5.0 : 30.0, 0.1});
  return p;
}

std::string planJson(const Plan& p) {
  Json j;
  j.beginObject();
  j.field("schemaVersion", 1).field("kind", "servesim-harness-plan").field("backend", "cuda");
  j.field("preset", p.quick ? "quick" : "full").field("repeats", p.repeats).field("warmup", p.warmup);
  j.field("computeCapability", p.cc);
  j.key("models").beginArray();
  for (const auto& m : p.models) {
    j.beginObject().field("name", m.name).field("hidden", m.hidden).field("heads", m.heads).field("kvHeads", m.kvHeads);
    j.field("headDim", m.headDim).field("ffn", m.ffn).field("gatedMlp", m.gated).endObject();
  }
  j.endArray();
  j.key("tp").beginArray();
  for (int t : p.tp) j.value(t);
  j.endArray();
  j.key("gemm").beginArray();
  for (const auto& g : p.gemm) {
    j.beginObject().field("dtype", g.dtype).field("m", g.m).field("n", g.n).field("k", g.k).field("op", g.op).field("flops", g.flops).endObject();
  }
  j.endArray();
  j.key("bandwidth").beginArray();
  for (const auto& b : p.bandwidth) {
    j.beginObject().field("kind", b.kind);
    if (b.kind == "gemv") j.field("n", b.n).field("k", b.k).field("op", b.op);
    else j.field("arrayBytes", b.arrayBytes);
    j.field("bytes", b.bytes).field("dtype", b.dtype).endObject();
  }
  j.endArray();
  j.key("attention").beginArray();
  for (const auto& a : p.attention) {
    j.beginObject().field("phase", a.phase).field("batch", a.batch).field("queryTokens", a.queryTokens);
    j.field("contextTokens", a.contextTokens).field("numHeads", a.numHeads).field("numKvHeads", a.numKvHeads);
    j.field("headDim", a.headDim).field("dtype", a.dtype).field("causal", a.causal).field("flops", a.flops);
    j.field("kvBytes", a.kvBytes).endObject();
  }
  j.endArray();
  j.key("hostTransfer").beginArray();
  for (const auto& t : p.hostTransfer) j.beginObject().field("direction", t.direction).field("pinned", t.pinned).field("bytes", t.bytes).endObject();
  j.endArray();
  j.key("allReduce").beginArray();
  for (const auto& a : p.allReduce) j.beginObject().field("bytes", a.bytes).field("dtype", a.dtype).endObject();
  j.endArray();
  j.key("power").beginArray();
  for (const auto& w : p.power) {
    j.beginObject().field("load", w.load).field("durationSec", w.durationSec).field("sampleIntervalSec", w.sampleIntervalSec).endObject();
  }
  j.endArray();
  j.key("notes").beginArray();
  for (const auto& n : p.notes) j.value(n);
  j.endArray();
  j.endObject();
  return j.str();
}
