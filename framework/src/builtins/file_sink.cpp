// file (sink): writes each message as one line to `path`; each batch reaches
// the OS (fflush) before the next is taken.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "builtins/builtins.hpp"
#include "builtins/line_writer.hpp"
#include "builtins/path_check.hpp"

namespace sluice::builtins {
namespace {

class FileSink final : public Sink {
 public:
  explicit FileSink(const Options& o)
      : path_(o.get_string("path")),
        format_(parse_line_format(o.get_string("format"))),
        append_(o.get_string("mode") == "append") {}
  ~FileSink() override {
    if (f_) std::fclose(f_);
  }

  void open(Context& ctx) override {
    // Truncated once per run: a restarted sink keeps what it wrote before.
    f_ = std::fopen(path_.c_str(), append_ || ctx.restarts() > 0 ? "ab" : "wb");
    if (!f_) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
  }
  void consume(std::span<Message> batch, Context&) override {
    write_lines(f_, batch, format_, scratch_, path_);
  }
  void close(Context&) override {
    if (f_ && std::fclose(f_) != 0) {
      f_ = nullptr;
      throw std::runtime_error("closing " + path_ + " failed: " + std::strerror(errno));
    }
    f_ = nullptr;
  }

 private:
  const std::string path_;
  const LineFormat format_;
  const bool append_;
  std::FILE* f_{nullptr};
  std::string scratch_;
};

}  // namespace

StageType file_sink_type() {
  StageType t;
  t.name = "file";
  t.doc = "writes each message as one line to a file";
  t.blocking = true;
  t.schema.options = {
      {.name = "path", .type = OptionType::string, .doc = "file to write", .required = true},
      {.name = "format",
       .type = OptionType::string,
       .doc = "payload: the payload as a line; json: the whole message as a JSON object",
       .default_value = OptionValue::of("payload"),
       .choices = {"payload", "json"}},
      {.name = "mode",
       .type = OptionType::string,
       .doc = "truncate or append to the file",
       .default_value = OptionValue::of("truncate"),
       .choices = {"truncate", "append"}},
  };
  t.make = [](const Options& o) { return std::make_unique<FileSink>(o); };
  t.check = check_path;
  return t;
}

}  // namespace sluice::builtins
