#include "file_paths.hpp"

#include <sys/stat.h>

#include <filesystem>

#include "sluice/dsl/file_paths.hpp"

namespace sluice::dsl {
namespace {

namespace fs = std::filesystem;

/// The path as the system would open it: absolute, `..` and links resolved
/// as far as the path exists.
fs::path resolved(const std::string& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) return fs::path(p).lexically_normal();
  fs::path out = fs::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal() : out;
}

/// A device, a pipe or a socket: not a file whose lines two writers mix.
bool special(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

const std::string* file_path(const StageSpec& s, Role role) {
  if (s.type != "file" || s.role != role) return nullptr;
  const OptionValue* v = s.options.find("path");
  return v != nullptr && v->kind == OptionValue::Kind::string && !v->str.empty() ? &v->str
                                                                                 : nullptr;
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty() || special(a) || special(b)) return false;
  if (resolved(a) == resolved(b)) return true;
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;  // hard links; false when either is missing
}

std::optional<std::string> file_stage_of(const PipelineSpec& spec, const std::string& path) {
  for (const auto& s : spec.stages) {
    for (const Role role : {Role::source, Role::sink}) {
      if (const std::string* p = file_path(s, role); p && same_file(*p, path)) return s.name;
    }
  }
  return std::nullopt;
}

namespace detail {

void check_file_paths(LoadContext& ctx, const std::vector<StageWork>& stages) {
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const StageSpec& sink = stages[i].spec;
    const std::string* written = file_path(sink, Role::sink);
    if (written == nullptr) continue;
    const auto at = sink.option_spans.find("path");
    const Span span = at != sink.option_spans.end() ? at->second : sink.span;
    for (std::size_t j = 0; j < stages.size(); ++j) {
      const StageSpec& other = stages[j].spec;
      if (const std::string* read = file_path(other, Role::source);
          read && same_file(*written, *read)) {
        const OptionValue* mode = sink.options.find("mode");
        const bool append = mode != nullptr && mode->str == "append";
        ctx.error("same-file", span,
                  "stage " + quote(sink.name) + " writes " + quote(*written) + ", the file stage " +
                      quote(other.name) + " reads" +
                      (append ? ": the source would read its own output and never end"
                              : ": truncating it would empty the input before it is read"),
                  "write to another file (and rename it after the run)");
      }
      const std::string* also = j < i ? file_path(other, Role::sink) : nullptr;
      if (also != nullptr && same_file(*written, *also)) {
        ctx.error("same-file", span,
                  "stages " + quote(other.name) + " and " + quote(sink.name) + " both write " +
                      quote(*written) + ": their lines would interleave",
                  "one file sink can take what both take: list all their inputs in its inputs");
      }
    }
  }
}

}  // namespace detail
}  // namespace sluice::dsl
