#pragma once
#include <cstdint>
#include <ostream>
#include <string>

namespace tg {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int8_t index = -1;  // -1: the current device of that type
  Device() = default;
  Device(DeviceType t, int8_t i = -1) : type(t), index(i) {}
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const {
    return type == o.type && (type == DeviceType::CPU || index == o.index || index < 0 || o.index < 0);
  }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const {
    std::string s = type == DeviceType::CPU ? "cpu" : "cuda";
    if (index >= 0) s += ":" + std::to_string(index);
    return s;
  }
};
inline std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

}  // namespace tg
