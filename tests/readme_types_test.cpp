// The README's table of built-in stage types against the registry: a type
// registered without its row, or a row naming a type (or a role) that is not
// registered, fails here, so the table cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/registry.hpp"

namespace sluice {
namespace {

using TypeRole = std::pair<std::string, std::string>;  // ("file", "sink")

constexpr std::string_view kSection = "## Built-in stage types";

/// The cells of a table row, split at '|' that is not escaped (`\|`).
std::vector<std::string> cells(std::string_view row) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 1; i < row.size(); ++i) {  // row[0] is the leading '|'
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '|') {
      out.push_back(std::move(cell));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return out;
}

/// Every `name` in backticks within `cell` ("`stdout`, `file`").
std::vector<std::string> quoted_names(std::string_view cell) {
  std::vector<std::string> names;
  for (std::size_t open = cell.find('`'); open != std::string_view::npos;) {
    const std::size_t close = cell.find('`', open + 1);
    if (close == std::string_view::npos) break;
    names.emplace_back(cell.substr(open + 1, close - open - 1));
    open = cell.find('`', close + 1);
  }
  return names;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

/// (type, role) of every row of the README's table of built-in types.
std::set<TypeRole> readme_table(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::set<TypeRole> rows;
  std::string line;
  bool in_section = false, in_table = false;
  while (std::getline(in, line)) {
    if (!in_section) {
      in_section = line.starts_with(kSection);
      continue;
    }
    if (!line.starts_with("|")) {
      if (in_table) break;  // the table ends at its first other line
      if (line.starts_with("## ")) break;
      continue;
    }
    in_table = true;
    const auto c = cells(line);
    if (c.size() < 2 || trim(c[0]) == "type" || c[0].find("---") != std::string::npos) continue;
    for (auto& name : quoted_names(c[0])) rows.emplace(std::move(name), trim(c[1]));
  }
  EXPECT_TRUE(in_section) << path << " has no section \"" << kSection << "\"";
  return rows;
}

TEST(Readme, TableOfBuiltInTypesMatchesTheRegistry) {
  const std::string path = std::string(SLUICE_REPO_DIR) + "/README.md";
  const std::set<TypeRole> table = readme_table(path);
  ASSERT_FALSE(table.empty()) << "no rows found under \"" << kSection << "\" in " << path;

  std::set<TypeRole> registered;
  for (const StageType& t : builtin_registry().types()) {
    registered.emplace(t.name, std::string(to_string(t.role())));
    EXPECT_TRUE(table.contains({t.name, std::string(to_string(t.role()))}))
        << "README.md lacks the built-in " << to_string(t.role()) << " `" << t.name
        << "`; add a row to its table, e.g.\n| `" << t.name << "` | " << to_string(t.role())
        << " | " << t.doc << " |";
  }
  for (const auto& [name, role] : table) {
    EXPECT_TRUE(registered.contains({name, role}))
        << "README.md's table names a " << role << " `" << name
        << "` that is not a registered built-in (see `sluice list`)";
  }
}

}  // namespace
}  // namespace sluice
