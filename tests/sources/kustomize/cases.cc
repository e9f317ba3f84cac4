#include "tests/sources/kustomize/cases.h"

#include <algorithm>
#include <fstream>

namespace converge::sources::kustomize::suite {
namespace {

constexpr std::string_view kExtension = ".txt";

bool IsHeader(const std::string& line, std::string& name) {
  if (!line.starts_with("-- ") || !line.ends_with(" --") || line.size() < 7) return false;
  name = line.substr(3, line.size() - 6);
  return true;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::filesystem::path CasesDir() {
  return converge::testing::SourceDir() / "tests/sources/kustomize/cases";
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(CasesDir())) {
    if (entry.path().extension() == kExtension) names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Case LoadCase(const std::string& name) {
  Case c{.name = name};
  std::string text = converge::testing::ReadFile(CasesDir() / (name + std::string(kExtension)));
  std::string section;
  std::string body;
  bool in_section = false;
  auto flush = [&] {
    if (!in_section) return;
    if (section == "#dir") {
      c.dir = body.substr(0, body.find('\n'));
    } else if (section == "#expected") {
      c.expected = Outcome{.failed = false, .text = body};
    } else if (section == "#error") {
      c.expected = Outcome{.failed = true, .text = body.substr(0, body.find('\n'))};
    } else {
      c.files.emplace_back(section, body);
    }
  };
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? text.size() : end + 1;
    std::string name_in_header;
    if (IsHeader(line, name_in_header)) {
      flush();
      section = name_in_header;
      body.clear();
      in_section = true;
      continue;
    }
    body += line;
    if (end != std::string::npos) body += '\n';
  }
  flush();
  return c;
}

void SaveCase(const Case& c) {
  std::string text;
  for (const auto& [path, content] : c.files) text += "-- " + path + " --\n" + content;
  if (c.dir != ".") text += "-- #dir --\n" + c.dir + "\n";
  if (c.expected.failed) {
    text += "-- #error --\n" + c.expected.text + "\n";
  } else {
    text += "-- #expected --\n" + c.expected.text;
  }
  std::ofstream(CasesDir() / (c.name + std::string(kExtension)), std::ios::binary) << text;
}

void Materialize(const Case& c, const converge::testing::TempDir& dir) {
  for (const auto& [path, content] : c.files) dir.Write(path, content);
}

std::string FirstLine(std::string message, const std::string& root) {
  if (message.starts_with("error: ")) message = message.substr(7);
  message = message.substr(0, message.find('\n'));
  ReplaceAll(message, root, kRootMarker);
  // kustomize prints a generator's address ("merging from generator &{0xc0005d11e0 <nil>}: "),
  // which changes between runs.
  size_t generator = message.find("generator &{0x");
  size_t end = generator == std::string::npos ? generator : message.find("}", generator);
  if (generator != std::string::npos && end != std::string::npos) {
    message.erase(generator + 9, end + 1 - (generator + 9));
  }
  return message;
}

// Always with helm enabled, as `converge render` builds: kustomize only accepts helm 3.
Outcome RunKubectl(const Case& c, const std::filesystem::path& root) {
  converge::testing::ProcessResult result = converge::testing::Run(
      {(converge::testing::OracleDir() / "kubectl").string(), "kustomize", "--enable-helm",
       "--helm-command", (converge::testing::OracleDir() / "helm3").string(),
       (root / c.dir).lexically_normal().string()},
      root);
  if (result.exit_code != 0) {
    return Outcome{.failed = true, .text = FirstLine(result.err, root.string())};
  }
  return Outcome{.failed = false, .text = result.out};
}

}  // namespace converge::sources::kustomize::suite
