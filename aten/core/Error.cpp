#include "aten/core/Error.h"

namespace tg::detail {
// Out of line so that each TG_CHECK site compiles to a compare and a cold call.
void throw_error(ErrorKind kind, const std::string& msg) { throw Error(kind, msg); }
}  // namespace tg::detail
