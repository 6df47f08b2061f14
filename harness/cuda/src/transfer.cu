// Host↔device copies: pinned (cudaMallocHost, cudaMemcpyAsync) and pageable (malloc, cudaMemcpy), both
// directions. run.sh runs this family once per NUMA node under `numactl --membind=N --cpunodebind=N` and
// passes --numa-node N so each point records where its host buffer lived.
#include <cstdlib>
#include <cstring>
#include <string>

#include "common.h"

void runHostTransfer(const Plan& plan, const DeviceInfo& dev, const TimingParams& t, const Options& o, Results& res) {
  (void)dev;
  if (plan.hostTransfer.empty()) return;
  cudaStream_t s;
  CUDA_CHECK(cudaStreamCreate(&s));
  for (const auto& x : plan.hostTransfer) {
    void* host = nullptr;
    void* devBuf = nullptr;
    const size_t bytes = static_cast<size_t>(x.bytes);
    try {
      if (x.pinned) {
        CUDA_CHECK(cudaMallocHost(&host, bytes));
      } else {
        host = std::malloc(bytes);
        if (host == nullptr) throw std::runtime_error("malloc failed");
      }
      std::memset(host, 1, bytes);  // touch every page (placed on the bound NUMA node)
      CUDA_CHECK(cudaMalloc(&devBuf, bytes));
      const bool h2d = x.direction == "h2d";
      TimingParams tt = t;
      tt.maxInner = 64;
      auto samples = timeRepeats(
          [&](int inner) {
            for (int i = 0; i < inner; i++) {
              // Pinned: DMA straight from the buffer. Pageable: the driver stages through its own pinned
              // buffer and the call returns only once the host side is done — what an engine without
              // pinned memory pays.
              CUDA_CHECK(cudaMemcpyAsync(h2d ? devBuf : host, h2d ? host : devBuf, bytes,
                                         h2d ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, s));
            }
          },
          s, tt);
      const Summary sm = summarize(samples);
      if (sm.median > 0) {
        Json j;
        j.beginObject().field("direction", x.direction).field("pinned", x.pinned).key("numaNode");
        if (o.numaNode) j.value(*o.numaNode);
        else j.null();
        j.field("bytes", x.bytes).field("medianSec", sm.median).field("repeats", sm.n);
        j.field("bytesPerSec", x.bytes / sm.median).endObject();
        res.hostTransfer.push_back(j.str());
      }
    } catch (const std::exception& e) {
      res.note("host transfer " + x.direction + (x.pinned ? " pinned " : " pageable ") + std::to_string(x.bytes) + " B skipped: " + e.what());
      cudaGetLastError();
    }
    if (devBuf) cudaFree(devBuf);
    if (host) {
      if (x.pinned) cudaFreeHost(host);
      else std::free(host);
    }
  }
  cudaStreamDestroy(s);
}
