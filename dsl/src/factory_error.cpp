#include "factory_error.hpp"

#include <cctype>

namespace sluice::dsl::detail {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Offset of the first whole-word occurrence of `word` in `text`, or npos.
std::size_t find_word(std::string_view text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string_view::npos;
       at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !word_char(text[at - 1]);
    const std::size_t end = at + word.size();
    const bool ends = end == text.size() || !word_char(text[end]);
    if (starts && ends) return at;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> mentioned_option(std::string_view message,
                                            const std::map<std::string, Span>& given) {
  std::optional<std::string> best;
  std::size_t best_at = std::string_view::npos;
  for (const auto& [name, span] : given) {
    const std::size_t at = find_word(message, name);
    if (at < best_at) {
      best_at = at;
      best = name;
    }
  }
  return best;
}

std::string in_stage(std::string_view message, std::string_view option, std::string_view stage) {
  const std::string where = " in stage '" + std::string(stage) + "'";
  const std::string quoted = "'" + std::string(option) + "'";
  if (!option.empty()) {
    if (const auto at = message.find(quoted); at != std::string_view::npos) {
      std::string out(message);
      out.insert(at + quoted.size(), where);
      return out;
    }
  }
  return "stage '" + std::string(stage) + "': " + std::string(message);
}

}  // namespace sluice::dsl::detail
