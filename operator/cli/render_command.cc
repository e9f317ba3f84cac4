#include <ostream>

#include "base/log.h"
#include "kube/kube.h"
#include "operator/cli/commands.h"
#include "sources/directory/directory.h"
#include "sources/tree/tree.h"

namespace converge::cli {
namespace {

std::vector<FlagSpec> RenderFlags() {
  std::vector<FlagSpec> flags = {
      {.name = "output",
       .short_name = 'o',
       .value_name = "FORMAT",
       .help = "yaml (a multi-document stream) or json (a v1 List, as kubectl prints)",
       .default_value = "yaml"},
      {.name = "source-type",
       .value_name = "TYPE",
       .help = "directory; detected from the files when omitted"},
      {.name = "recurse", .type = FlagType::kBool, .help = "directory: include subdirectories"},
      {.name = "include",
       .type = FlagType::kList,
       .value_name = "GLOB",
       .help = "directory: render only matching files (Argo CD glob, e.g. '{a.yaml,b/*}')"},
      {.name = "exclude",
       .type = FlagType::kList,
       .value_name = "GLOB",
       .help = "directory: skip matching files"},
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"},
  };
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
}

// Which renderer a source directory calls for, from the files Argo CD looks at.
Result<std::string> DetectSourceType(const sources::tree::FileTree& tree) {
  for (const char* file : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    if (tree.Stat(file).ok()) return std::string("kustomize");
  }
  if (tree.Stat("Chart.yaml").ok()) return std::string("helm");
  return std::string("directory");
}

std::string EncodeAsList(const std::vector<kube::Object>& objects) {
  nlohmann::json list = {{"apiVersion", "v1"},
                         {"kind", "List"},
                         {"metadata", {{"resourceVersion", ""}}},
                         {"items", nlohmann::json::array()}};
  for (const kube::Object& object : objects) list["items"].push_back(object.json());
  return kube::EncodeJson(list, 4) + "\n";
}

}  // namespace

int RunRender(std::span<const std::string> args, Streams streams) {
  std::vector<FlagSpec> specs = RenderFlags();
  Result<ParsedFlags> flags = ParseFlags(specs, args);
  if (!flags.ok()) return Fail(streams, flags.status(), 2);
  if (flags->Bool("help")) {
    streams.out << "Usage: converge render PATH [flags]\n\nRenders the manifests of a source "
                   "directory and prints them.\n\nFlags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  if (flags->positional().size() != 1) {
    return Fail(streams, Status::Invalid("render takes exactly one PATH"), 2);
  }
  std::string output = flags->String("output");
  if (output != "yaml" && output != "json") {
    return Fail(streams, Status::Invalid("--output must be yaml or json, not \"" + output + "\""),
                2);
  }
  const std::string& path = flags->positional()[0];
  Result<std::unique_ptr<sources::tree::FileTree>> tree = sources::tree::OpenDirectory(path);
  if (!tree.ok()) return Fail(streams, tree.status());

  std::string type = flags->String("source-type");
  if (type.empty()) {
    Result<std::string> detected = DetectSourceType(**tree);
    if (!detected.ok()) return Fail(streams, detected.status());
    type = *detected;
  }
  if (type != "directory") {
    return Fail(streams, Status::Invalid(path + " is a " + type +
                                         " source, which this build cannot render yet; pass "
                                         "--source-type directory to read its files as plain "
                                         "manifests"));
  }
  sources::directory::Options options{.recurse = flags->Bool("recurse"),
                                      .include = flags->List("include"),
                                      .exclude = flags->List("exclude")};
  Result<std::vector<kube::Object>> objects = sources::directory::Render(**tree, "", options);
  if (!objects.ok()) {
    return Fail(streams, objects.status());
  }
  log::Debug("rendered", {{"path", path}, {"objects", std::to_string(objects->size())}});
  streams.out << (output == "json" ? EncodeAsList(*objects) : kube::EncodeYamlStream(*objects));
  return 0;
}

}  // namespace converge::cli
