#include "aten/core/GradMode.h"

namespace tg {
namespace {
thread_local bool grad_enabled = true;
thread_local bool inference = false;
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }
bool GradMode::is_inference() { return inference; }
void GradMode::set_inference(bool value) { inference = value; }

}  // namespace tg
