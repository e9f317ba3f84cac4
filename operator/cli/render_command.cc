#include <ostream>

#include "kube/kube.h"
#include "operator/cli/commands.h"
#include "operator/cli/source.h"

namespace converge::cli {
namespace {

std::vector<FlagSpec> RenderFlags() {
  std::vector<FlagSpec> flags = {
      {.name = "output",
       .short_name = 'o',
       .value_name = "FORMAT",
       .help = "yaml (a multi-document stream) or json (a v1 List, as kubectl prints)",
       .default_value = "yaml"},
  };
  for (FlagSpec& spec : SourceFlags()) flags.push_back(std::move(spec));
  flags.push_back({.name = "namespace",
                   .short_name = 'n',
                   .value_name = "NS",
                   .help = "helm: .Release.Namespace (default \"default\")"});
  flags.push_back({.name = "timeout",
                   .value_name = "SECONDS",
                   .help = "with --repo: limit for each network operation",
                   .default_value = "60"});
  flags.push_back(
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"});
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
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
    streams.out << "Usage: converge render PATH [flags]\n       converge render --repo URL "
                   "[--revision REV] [--path P] [flags]\n\nRenders the manifests of a source "
                   "directory, on disk or in a Git repository, and prints them. With --repo the "
                   "resolved revision is printed on stderr.\n\nFlags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  bool from_git = flags->Has("repo");
  if (flags->positional().size() != (from_git ? 0u : 1u)) {
    return Fail(streams, Status::Invalid("render takes exactly one PATH, or --repo URL"), 2);
  }
  std::string output = flags->String("output");
  if (output != "yaml" && output != "json") {
    return Fail(streams, Status::Invalid("--output must be yaml or json, not \"" + output + "\""),
                2);
  }
  bool json = output == "json";
  Result<RenderedSource> rendered =
      RenderSource(*flags, flags->String("timeout"), streams, /*objects_needed=*/json);
  if (!rendered.ok()) return Fail(streams, rendered.status());
  if (json) {
    streams.out << EncodeAsList(rendered->objects);
  } else {
    streams.out << (rendered->text.empty() ? kube::EncodeYamlStream(rendered->objects)
                                           : rendered->text);
  }
  return 0;
}

}  // namespace converge::cli
