// Minimal JSON writer: enough for the harness result and plan documents (objects, arrays, strings, numbers,
// booleans, null). Numbers that are integral and exactly representable are written without a fraction so
// that the plan output matches the TypeScript planner byte for byte after parsing.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

class Json {
 public:
  Json& beginObject() { sep(); out_ += '{'; first_.push_back(true); return *this; }
  Json& endObject() { out_ += '}'; first_.pop_back(); return *this; }
  Json& beginArray() { sep(); out_ += '['; first_.push_back(true); return *this; }
  Json& endArray() { out_ += ']'; first_.pop_back(); return *this; }
  Json& key(const std::string& k) {
    sep();
    str(k);
    out_ += ':';
    afterKey_ = true;
    return *this;
  }
  Json& value(const std::string& s) { sep(); str(s); return *this; }
  Json& value(const char* s) { return value(std::string(s)); }
  Json& value(bool b) { sep(); out_ += b ? "true" : "false"; return *this; }
  Json& value(int v) { return value(static_cast<int64_t>(v)); }
  Json& value(int64_t v) { sep(); out_ += std::to_string(v); return *this; }
  Json& value(uint64_t v) { sep(); out_ += std::to_string(v); return *this; }
  Json& value(double v) {
    sep();
    out_ += number(v);
    return *this;
  }
  Json& null() { sep(); out_ += "null"; return *this; }
  /** Inserts an already-serialised JSON value (fragments from another run). */
  Json& raw(const std::string& json) { sep(); out_ += json; return *this; }

  template <typename T>
  Json& field(const std::string& k, const T& v) { key(k); return value(v); }
  Json& fieldNull(const std::string& k) { key(k); return null(); }

  const std::string& str() const { return out_; }

  /** A finite double as JSON: integers without a fraction, others with 17 significant digits. */
  static std::string number(double v) {
    if (!std::isfinite(v)) return "null";  // never valid in the schema; callers skip such points
    if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
      return std::to_string(static_cast<int64_t>(v));
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
  }

  static std::string quote(const std::string& s) {
    Json j;
    j.str(s);
    return j.out_;
  }

 private:
  void sep() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  void str(const std::string& s) {
    out_ += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += static_cast<char>(c);
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  std::vector<bool> first_;
  bool afterKey_ = false;
};
