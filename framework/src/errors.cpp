// The key functions of the error types: their vtables and type_info are
// emitted here only (see errors.hpp).
#include "sluice/errors.hpp"

#include "sluice/bad_option.hpp"

namespace sluice {
inline namespace v1 {

TransientError::~TransientError() = default;
PermanentError::~PermanentError() = default;
BadOption::~BadOption() = default;

}  // namespace v1
}  // namespace sluice
