// csv_enrich: adds fields to JSON payloads from a CSV table loaded at open().
//
//   [stages.enrich]
//   type = "csv_enrich"
//   inputs = ["orders"]
//   path = "customers.csv"     # header row first: id,name,tier,...
//   key = "customer"           # payload field whose value is looked up
//   key_column = "id"          # the table's column to match (default: the first)
//   fields = ["name", "tier"]  # columns to add (default: all but the key column)
//   missing = "pass"           # pass | drop | fail when the key is not in the table
//
// A payload {"customer": "c-2", "total": 12} becomes
// {"customer": "c-2", "total": 12, "name": "Bo", "tier": "gold"}. Values are
// added as strings, under `prefix` + column name.
//
// With `workers = N` the instances share one copy of the table
// (sluice::node_state): the first to open loads it, the others wait for it.
// Counters: `hits` and `misses`.
#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sluice/node_state.hpp>
#include <sluice/plugin.hpp>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using sluice::OptionType;
using sluice::OptionValue;

/// One CSV record: fields separated by commas, "quoted" fields may hold
/// commas and "" for a quote. A record does not span lines.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

struct Table {
  std::vector<std::string> columns;  ///< the added fields' names, prefix included
  std::vector<std::size_t> indexes;  ///< their positions in a record
  std::unordered_map<std::string, std::vector<std::string>> rows;  ///< key -> added values
};

struct Settings {
  std::string path, key, key_column, prefix, missing;
  std::vector<std::string> fields;
};

std::shared_ptr<Table> load_table(const Settings& s) {
  std::ifstream in(s.path);
  if (!in) throw sluice::PermanentError("cannot open CSV table '" + s.path + "'");
  std::string line;
  if (!std::getline(in, line)) throw sluice::PermanentError("'" + s.path + "' is empty");
  const auto header = split_csv(line);
  auto column = [&](const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return i;
    }
    throw sluice::PermanentError("'" + s.path + "' has no column '" + name + "'");
  };
  const std::size_t key_at = s.key_column.empty() ? 0 : column(s.key_column);
  auto table = std::make_shared<Table>();
  for (std::size_t i = 0; i < header.size(); ++i) {
    const bool wanted =
        s.fields.empty() ? i != key_at
                         : std::find(s.fields.begin(), s.fields.end(), header[i]) != s.fields.end();
    if (!wanted) continue;
    table->columns.push_back(s.prefix + header[i]);
    table->indexes.push_back(i);
  }
  for (const auto& f : s.fields) (void)column(f);  // each must exist
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    auto record = split_csv(line);
    record.resize(header.size());
    std::vector<std::string> values;
    for (std::size_t i : table->indexes) values.push_back(record[i]);
    table->rows.emplace(record[key_at], std::move(values));
  }
  return table;
}

class CsvEnrich final : public sluice::Stage {
 public:
  explicit CsvEnrich(const sluice::Options& o) : node_key_(&o) {
    s_.path = o.get_string("path");
    s_.key = o.get_string("key");
    s_.key_column = o.get_string("key_column");
    s_.prefix = o.get_string("prefix");
    s_.missing = o.get_string("missing");
    for (const auto& f : o.get("fields").list) {
      if (f.kind != OptionValue::Kind::string) {
        throw std::invalid_argument("'fields' must list column names (strings)");
      }
      s_.fields.push_back(f.str);
    }
  }

  void open(sluice::Context& ctx) override {
    // Shared by the instances of this node; loaded once.
    table_ = sluice::node_state<Table>(node_key_, ctx, [this] { return load_table(s_); });
    ctx.log(sluice::LogLevel::debug,
            "loaded " + std::to_string(table_->rows.size()) + " rows from " + s_.path);
  }

  void process(sluice::Message&& m, sluice::Emitter& out, sluice::Context& ctx) override {
    auto doc = nlohmann::json::parse(m.payload, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) throw sluice::PermanentError("payload is not a JSON object");
    auto field = doc.find(s_.key);
    if (field == doc.end()) throw sluice::PermanentError("payload has no field '" + s_.key + "'");
    const std::string key = field->is_string() ? field->get<std::string>() : field->dump();
    auto row = table_->rows.find(key);
    if (row == table_->rows.end()) {
      ctx.add_counter("misses");
      if (s_.missing == "fail") throw sluice::PermanentError("key '" + key + "' not in " + s_.path);
      if (s_.missing == "drop") {
        ctx.count_filtered();
        return;
      }
      out.emit(std::move(m));
      return;
    }
    ctx.add_counter("hits");
    for (std::size_t i = 0; i < table_->columns.size(); ++i) {
      doc[table_->columns[i]] = row->second[i];
    }
    m.payload = doc.dump();
    out.emit(std::move(m));
  }

 private:
  const void* node_key_;
  Settings s_;
  std::shared_ptr<const Table> table_;
};

void register_types(sluice::Registry& r) {
  sluice::Schema schema{{
      {.name = "path",
       .type = OptionType::string,
       .doc = "CSV file, header row first",
       .required = true},
      {.name = "key",
       .type = OptionType::string,
       .doc = "payload field looked up",
       .default_value = OptionValue::of("id")},
      {.name = "key_column",
       .type = OptionType::string,
       .doc = "column matched against the key; empty: the first",
       .default_value = OptionValue::of("")},
      {.name = "fields",
       .type = OptionType::list,
       .doc = "columns to add; empty: all but the key column",
       .default_value =
           [] {
             OptionValue v;
             v.kind = OptionValue::Kind::list;
             return v;
           }()},
      {.name = "prefix",
       .type = OptionType::string,
       .doc = "prefix of the added field names",
       .default_value = OptionValue::of("")},
      {.name = "missing",
       .type = OptionType::string,
       .doc = "a key not in the table",
       .default_value = OptionValue::of("pass"),
       .choices = {"pass", "drop", "fail"}},
  }};
  r.add({.name = "csv_enrich",
         .doc = "adds fields to JSON payloads from a CSV table",
         .schema = std::move(schema),
         .make = [](const sluice::Options& o) { return std::make_unique<CsvEnrich>(o); }});
}

}  // namespace

SLUICE_PLUGIN("csv_enrich", "1.0.0", register_types)
