#pragma once
// Thread-local grad mode (tg.no_grad(), tg.enable_grad(), tg.inference_mode()). It lives in the
// core because every generated op reads it to decide whether the autograd layer runs.
namespace tg {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
  static bool is_inference();
  static void set_inference(bool inference);
};

// Sets grad mode for a scope and restores the previous mode (also on exceptions).
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

}  // namespace tg
