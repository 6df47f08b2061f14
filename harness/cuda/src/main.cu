// servesim CUDA microbenchmark harness: command line, device discovery, the measurement families in turn,
// and the result document (src/calibrate/harness-schema.ts, schemaVersion 1). See docs/harness.md.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"

namespace {

const char* kUsage =
    "usage: servesim-harness [--quick] [--out FILE] [--plan | --dry-run] [--cc X.Y]\n"
    "         [--model NAME|name:hidden:heads:kvHeads:headDim:ffn[:gated|:plain]]... [--tp 1,2,...]\n"
    "         [--only F,..] [--skip F,..]   families: gemm,gemv,bandwidth,attention,transfer,allreduce,power (none)\n"
    "         [--repeats N] [--warmup N] [--power-seconds S] [--device N]\n"
    "         [--numa-node N] [--cap-watts W] [--fragment FILE] [--merge FILE]... [--note TEXT]... [--command TEXT]\n"
    "         [--cublaslt PATH] [--nccl PATH] [--stats v1,v2,...]\n"
    "  --plan      print the planned sweep as JSON (no GPU needed)\n"
    "  --dry-run   print a result document with no measurements, merging fragments (no GPU needed)\n";

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) if (!item.empty()) out.push_back(item);
  return out;
}

[[noreturn]] void usageError(const std::string& msg) {
  std::fprintf(stderr, "servesim-harness: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

int toInt(const std::string& flag, const std::string& v, int min) {
  try {
    size_t used = 0;
    const long x = std::stol(v, &used);
    if (used != v.size() || x < min || x > 1 << 30) throw std::invalid_argument("range");
    return static_cast<int>(x);
  } catch (...) {
    usageError(flag + " needs an integer >= " + std::to_string(min) + ", got \"" + v + "\"");
  }
}

double toDouble(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    const double x = std::stod(v, &used);
    if (used != v.size() || !(x > 0)) throw std::invalid_argument("range");
    return x;
  } catch (...) {
    usageError(flag + " needs a positive number, got \"" + v + "\"");
  }
}

Options parseArgs(int argc, char** argv, std::string& cmdline) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  cmdline = "servesim-harness";
  for (const auto& a : args) cmdline += " " + a;
  for (size_t i = 0; i < args.size(); i++) {
    std::string a = args[i], v;
    const size_t eq = a.find('=');
    bool hasInline = false;
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
      hasInline = true;
    }
    auto val = [&]() -> std::string {
      if (hasInline) return v;
      if (i + 1 >= args.size()) usageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--plan") o.planOnly = true;
    else if (a == "--dry-run") o.dryRun = true;
    else if (a == "--quick") o.quick = true;
    else if (a == "--out") o.out = val();
    else if (a == "--cc") o.cc = val();
    else if (a == "--model") {
      try {
        o.models.push_back(parseModelSpec(val()));
      } catch (const std::exception& e) {
        usageError(e.what());
      }
    } else if (a == "--tp") {
      for (const auto& t : splitList(val())) o.tp.push_back(toInt("--tp", t, 1));
    } else if (a == "--only") o.only = splitList(val());
    else if (a == "--skip") for (const auto& s : splitList(val())) o.skip.push_back(s);
    else if (a == "--numa-node") o.numaNode = toInt(a, val(), 0);
    else if (a == "--cap-watts") o.capWatts = toDouble(a, val());
    else if (a == "--fragment") o.fragmentOut = val();
    else if (a == "--merge") o.merge.push_back(val());
    else if (a == "--note") o.notes.push_back(val());
    else if (a == "--repeats") o.repeats = toInt(a, val(), 1);
    else if (a == "--warmup") o.warmup = toInt(a, val(), 0);
    else if (a == "--power-seconds") o.powerSeconds = toDouble(a, val());
    else if (a == "--device") o.device = toInt(a, val(), 0);
    else if (a == "--command") o.command = val();
    else if (a == "--stats") o.statsInput = val();
    else if (a == "--cublaslt") o.cublasLtPath = val();
    else if (a == "--nccl") o.ncclPath = val();
    else usageError("unknown option " + a);
  }
  // "none" measures nothing: run.sh's last call only merges the partial runs and describes the device.
  static const std::vector<std::string> families = {"gemm", "gemv", "bandwidth", "attention", "transfer", "allreduce", "power", "none"};
  for (const auto* list : {&o.only, &o.skip}) {
    for (const auto& f : *list) {
      if (std::find(families.begin(), families.end(), f) == families.end()) usageError("unknown family " + f);
    }
  }
  if (!o.cc.empty()) {
    try {
      ccNumber(o.cc);
    } catch (const std::exception& e) {
      usageError(e.what());
    }
  }
  return o;
}

std::string isoNow() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string hostCpu() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t c = line.find(':');
      if (c != std::string::npos) return line.substr(line.find_first_not_of(' ', c + 1));
    }
  }
  return "";
}

int numaNodes() {
  DIR* d = opendir("/sys/devices/system/node");
  if (!d) return 0;
  int n = 0;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind("node", 0) == 0 && name.size() > 4 && name.find_first_not_of("0123456789", 4) == std::string::npos) n++;
  }
  closedir(d);
  return n;
}

/** Fragments: one line per point, "section<TAB>json", written by partial runs and merged by the main run. */
void writeFragment(const std::string& path, Results& r) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("cannot write " + path);
  for (const char* s : {"gemm", "bandwidth", "attention", "hostTransfer", "allReduce", "power", "notes"}) {
    for (const auto& item : *r.section(s)) f << s << '\t' << item << '\n';
  }
}

void mergeFragment(const std::string& path, Results& r) {
  std::ifstream f(path);
  if (!f) {
    r.note("fragment " + path + " missing (that partial run failed?)");
    return;
  }
  std::string line;
  int lineNo = 0;
  while (std::getline(f, line)) {
    lineNo++;
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    auto* sec = tab == std::string::npos ? nullptr : r.section(line.substr(0, tab));
    const std::string json = tab == std::string::npos ? "" : line.substr(tab + 1);
    if (sec == nullptr || json.empty() || (json[0] != '{' && json[0] != '"')) {
      r.note("fragment " + path + ":" + std::to_string(lineNo) + " malformed, ignored");
      continue;
    }
    sec->push_back(json);
  }
}

std::string document(const Options& o, const std::string& cmdline, const DeviceInfo* dev, Results& r) {
  Json j;
  j.beginObject().field("schemaVersion", 1);
  j.key("harness").beginObject().field("backend", "cuda").field("version", HARNESS_VERSION);
  j.field("command", o.command.empty() ? cmdline : o.command).endObject();
  j.field("createdAt", isoNow());
  j.key("device").beginObject();
  if (dev == nullptr) {
    j.field("name", "dry run (no GPU)").key("details").beginObject().field("mode", "dry-run").endObject();
  } else {
    const auto& p = dev->prop;
    j.field("name", p.name).field("vendor", "NVIDIA");
    const std::string drv = nvmlDriverVersion();
    if (!drv.empty()) j.field("driver", drv);
    j.field("computeCapability", std::to_string(p.major) + "." + std::to_string(p.minor));
    j.field("memoryBytes", static_cast<uint64_t>(p.totalGlobalMem)).field("multiprocessors", p.multiProcessorCount);
    const double maxClk = nvmlMaxSmClockMHz();
    if (maxClk > 0) j.field("maxSmClockMHz", maxClk);
    int rt = 0, dv = 0;
    cudaRuntimeGetVersion(&rt);
    cudaDriverGetVersion(&dv);
    char bus[32] = {0};
    cudaDeviceGetPCIBusId(bus, sizeof bus, dev->index);
    j.key("details").beginObject().field("cudaRuntime", std::to_string(rt)).field("cudaDriverApi", std::to_string(dv));
    j.field("l2Bytes", std::to_string(dev->l2Bytes)).field("pciBusId", bus).field("deviceIndex", std::to_string(dev->index));
    j.endObject();
  }
  j.endObject();
  j.key("host").beginObject();
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) j.field("hostname", host);
  const std::string cpu = hostCpu();
  if (!cpu.empty()) j.field("cpu", cpu);
  const int nodes = numaNodes();
  if (nodes > 0) j.field("numaNodes", nodes);
  j.endObject();
  for (const char* s : {"gemm", "bandwidth", "attention", "hostTransfer", "allReduce", "power", "notes"}) {
    j.key(s).beginArray();
    for (const auto& item : *r.section(s)) j.raw(item);
    j.endArray();
  }
  j.endObject();
  return j.str();
}

void emit(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return;
  }
  std::ofstream f(path);
  if (!f) {
    std::fprintf(stderr, "servesim-harness: cannot write %s\n", path.c_str());
    std::exit(1);
  }
  f << text << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmdline;
  Options o = parseArgs(argc, argv, cmdline);

  if (!o.statsInput.empty()) {
    std::vector<double> v;
    for (const auto& s : splitList(o.statsInput)) v.push_back(std::stod(s));
    const Summary s = summarize(v);
    Json j;
    j.beginObject().field("n", s.n).field("median", s.median).field("p10", s.p10).field("p90", s.p90);
    j.field("min", s.min).field("max", s.max).field("mean", s.mean).endObject();
    emit(j.str(), "");
    return 0;
  }

  if (o.planOnly || o.dryRun) {
    Plan plan;
    try {
      plan = planSweep(o.quick, o.cc.empty() ? "9.0" : o.cc, o.models, o.tp);
    } catch (const std::exception& e) {
      usageError(e.what());
    }
    if (o.planOnly) {
      emit(planJson(plan), o.out);
      return 0;
    }
    Results r;
    for (const auto& m : o.merge) mergeFragment(m, r);
    for (const auto& n : o.notes) r.note(n);
    r.note("dry run: nothing was measured; the plan (compute capability " + plan.cc + ") holds " + std::to_string(plan.gemm.size()) +
           " gemm, " + std::to_string(plan.bandwidth.size()) + " bandwidth, " + std::to_string(plan.attention.size()) + " attention, " +
           std::to_string(plan.hostTransfer.size()) + " host-transfer, " + std::to_string(plan.allReduce.size()) + " all-reduce points");
    emit(document(o, cmdline, nullptr, r), o.out);
    return 0;
  }

  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    std::fprintf(stderr, "servesim-harness: no CUDA device (%s). --plan and --dry-run work without one.\n",
                 err != cudaSuccess ? cudaGetErrorString(err) : "0 devices");
    return 3;
  }
  if (o.device >= count) usageError("--device " + std::to_string(o.device) + " but only " + std::to_string(count) + " device(s)");
  DeviceInfo dev;
  dev.index = o.device;
  CUDA_CHECK(cudaSetDevice(dev.index));
  CUDA_CHECK(cudaGetDeviceProperties(&dev.prop, dev.index));
  dev.cc = dev.prop.major * 10 + dev.prop.minor;
  dev.l2Bytes = static_cast<size_t>(dev.prop.l2CacheSize);
  const std::string cc = std::to_string(dev.prop.major) + "." + std::to_string(dev.prop.minor);
  std::string why;
  const bool haveNvml = nvmlOpen(dev.index, why);

  Plan plan;
  try {
    plan = planSweep(o.quick, o.cc.empty() ? cc : o.cc, o.models, o.tp);
  } catch (const std::exception& e) {
    usageError(e.what());
  }
  TimingParams t;
  t.repeats = o.repeats.value_or(plan.repeats);
  t.warmup = o.warmup.value_or(plan.warmup);

  Results r;
  for (const auto& n : o.notes) r.note(n);
  if (!haveNvml) r.note("NVML unavailable (" + why + "): no driver version, max clock or power samples");
  std::fprintf(stderr, "device %d: %s (cc %s, %d SMs, %.1f GiB, L2 %zu MiB)\n", dev.index, dev.prop.name, cc.c_str(),
               dev.prop.multiProcessorCount, dev.prop.totalGlobalMem / 1073741824.0, dev.l2Bytes >> 20);
  struct Family {
    const char* name;
    std::function<void()> run;
  };
  const std::vector<Family> families = {
      {"gemm", [&] { runGemm(plan, dev, t, o, r); }},
      {"gemv", [&] { runGemv(plan, dev, t, r); }},
      {"bandwidth", [&] { runBandwidth(plan, dev, t, r); }},
      {"attention", [&] { runAttention(plan, dev, t, r); }},
      {"transfer", [&] { runHostTransfer(plan, dev, t, o, r); }},
      {"allreduce", [&] { runAllReduce(plan, dev, t, o, r); }},
      {"power", [&] { runPower(plan, dev, o, r); }},  // last: it heats the GPU
  };
  for (const auto& f : families) {
    if (!o.wants(f.name)) continue;
    std::fprintf(stderr, "== %s\n", f.name);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      f.run();
    } catch (const std::exception& e) {
      r.note(std::string(f.name) + " stopped: " + e.what());
      cudaGetLastError();
    }
    std::fprintf(stderr, "   %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  r.note("timing: CUDA events around back-to-back launches after warm-up; median, p10, p90 over repeats (" + std::to_string(t.repeats) + ")");

  if (!o.fragmentOut.empty()) {
    writeFragment(o.fragmentOut, r);
    return 0;
  }
  for (const auto& m : o.merge) mergeFragment(m, r);
  emit(document(o, cmdline, &dev, r), o.out);
  if (!o.out.empty()) {
    std::fprintf(stderr, "wrote %s: %zu gemm, %zu bandwidth, %zu attention, %zu host-transfer, %zu all-reduce, %zu power\n", o.out.c_str(),
                 r.gemm.size(), r.bandwidth.size(), r.attention.size(), r.hostTransfer.size(), r.allReduce.size(), r.power.size());
  }
  return 0;
}
