// dlopen helpers: load the first library of a list that exists and resolve symbols by name.
#pragma once
#include <dlfcn.h>

#include <string>
#include <vector>

inline void* openFirst(const std::vector<std::string>& names, std::string& tried) {
  for (const auto& n : names) {
    if (n.empty()) continue;
    void* h = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h != nullptr) return h;
    const char* e = dlerror();
    tried += (tried.empty() ? "" : "; ") + (e ? std::string(e) : n);
  }
  return nullptr;
}

template <typename F>
bool resolve(void* lib, const char* name, F& fn, std::string& missing) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  if (fn == nullptr) missing += std::string(missing.empty() ? "" : ", ") + name;
  return fn != nullptr;
}
