// NVML through dlopen (libnvidia-ml.so.1 ships with the NVIDIA driver, not with the toolkit), so the
// harness needs no NVML headers or stubs to build.
#include <cstdio>
#include <string>

#include "common.h"
#include "dynlib.h"

namespace {
typedef struct NvmlDevice* nvmlDevice_t;
typedef int nvmlReturn_t;  // 0 = NVML_SUCCESS
struct NvmlUtilization {
  unsigned int gpu, memory;
};
constexpr int NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2, NVML_TEMPERATURE_GPU = 0;

struct {
  nvmlReturn_t (*init)();
  nvmlReturn_t (*byPci)(const char*, nvmlDevice_t*);
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned int*);
  nvmlReturn_t (*clock)(nvmlDevice_t, int, unsigned int*);
  nvmlReturn_t (*maxClock)(nvmlDevice_t, int, unsigned int*);
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned int*);
  nvmlReturn_t (*utilization)(nvmlDevice_t, NvmlUtilization*);
  nvmlReturn_t (*enforcedLimit)(nvmlDevice_t, unsigned int*);
  nvmlReturn_t (*driverVersion)(char*, unsigned int);
  const char* (*errorString)(nvmlReturn_t);
} nv;
nvmlDevice_t device = nullptr;
bool ready = false;
}  // namespace

bool nvmlOpen(int cudaDevice, std::string& why) {
  if (ready) return true;
  std::string tried;
  void* lib = openFirst({"libnvidia-ml.so.1", "libnvidia-ml.so"}, tried);
  if (lib == nullptr) {
    why = "NVML not found (" + tried + ")";
    return false;
  }
  std::string missing;
  resolve(lib, "nvmlInit_v2", nv.init, missing);
  resolve(lib, "nvmlDeviceGetHandleByPciBusId_v2", nv.byPci, missing);
  resolve(lib, "nvmlDeviceGetPowerUsage", nv.power, missing);
  resolve(lib, "nvmlDeviceGetClockInfo", nv.clock, missing);
  resolve(lib, "nvmlDeviceGetMaxClockInfo", nv.maxClock, missing);
  resolve(lib, "nvmlDeviceGetTemperature", nv.temperature, missing);
  resolve(lib, "nvmlDeviceGetUtilizationRates", nv.utilization, missing);
  resolve(lib, "nvmlDeviceGetEnforcedPowerLimit", nv.enforcedLimit, missing);
  resolve(lib, "nvmlSystemGetDriverVersion", nv.driverVersion, missing);
  resolve(lib, "nvmlErrorString", nv.errorString, missing);
  if (!missing.empty()) {
    why = "NVML lacks " + missing;
    return false;
  }
  if (nvmlReturn_t r = nv.init(); r != 0) {
    why = std::string("nvmlInit: ") + nv.errorString(r);
    return false;
  }
  char bus[32] = {0};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, cudaDevice) != cudaSuccess) {
    why = "cudaDeviceGetPCIBusId failed";
    return false;
  }
  if (nvmlReturn_t r = nv.byPci(bus, &device); r != 0) {
    why = std::string("nvmlDeviceGetHandleByPciBusId(") + bus + "): " + nv.errorString(r);
    return false;
  }
  ready = true;
  return true;
}

bool nvmlSample(NvmlSample& s) {
  if (!ready) return false;
  unsigned int mw = 0, sm = 0, mem = 0, temp = 0;
  if (nv.power(device, &mw) != 0 || nv.clock(device, NVML_CLOCK_SM, &sm) != 0 || nv.temperature(device, NVML_TEMPERATURE_GPU, &temp) != 0) {
    return false;
  }
  s.powerW = mw / 1000.0;
  s.smClockMHz = sm;
  s.temperatureC = temp;
  s.memClockMHz = nv.clock(device, NVML_CLOCK_MEM, &mem) == 0 ? double(mem) : -1.0;
  NvmlUtilization u{};
  s.utilizationPct = nv.utilization(device, &u) == 0 ? double(u.gpu) : -1.0;
  return true;
}

std::string nvmlDriverVersion() {
  char buf[96] = {0};
  if (!ready || nv.driverVersion(buf, sizeof buf) != 0) return "";
  return buf;
}

double nvmlMaxSmClockMHz() {
  unsigned int v = 0;
  return ready && nv.maxClock(device, NVML_CLOCK_SM, &v) == 0 ? v : 0;
}

double nvmlEnforcedPowerLimitW() {
  unsigned int v = 0;
  return ready && nv.enforcedLimit(device, &v) == 0 ? v / 1000.0 : 0;
}
