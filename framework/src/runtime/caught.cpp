#include "runtime/caught.hpp"

#include <exception>

#include "sluice/errors.hpp"

namespace sluice::detail {

namespace {

/// Never empty: an empty text must not read as "no error".
std::string text(const char* what) {
  if (what == nullptr || *what == '\0') return "an exception with an empty message";
  return what;
}

}  // namespace

Caught caught() {
  try {
    throw;
  } catch (const TransientError& e) {
    return {text(e.what()), true};
  } catch (const std::exception& e) {
    return {text(e.what()), false};
  } catch (...) {
    return {"an exception not derived from std::exception", false};
  }
}

}  // namespace sluice::detail
