// The providers' payloads, each read into a Push. Shapes follow each provider's documented push
// event: GitHub's, Gitea's and Gogs' are alike (repository.html_url/clone_url/ssh_url,
// default_branch, commits[].added/modified/removed), GitLab names the repository `project`
// and may list only the first 20 commits, Bitbucket Server lists changed refs without files.
#include <nlohmann/json.hpp>

#include "operator/webhook/webhook.h"

namespace converge::webhook {
namespace {

using nlohmann::json;

void AddString(std::vector<std::string>& out, const json& object, const char* key) {
  if (!object.is_object()) return;
  auto it = object.find(key);
  if (it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    out.push_back(it->get<std::string>());
  }
}

std::optional<std::string> OptionalString(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// The files of commits[]; none when a count says the list was cut short.
std::vector<std::string> ChangedFiles(const json& body, const char* total_key) {
  const json& commits = Member(body, "commits");
  if (!commits.is_array()) return {};
  const json& total = Member(body, total_key);
  if (total.is_number_unsigned() && total.get<uint64_t>() > commits.size()) return {};
  std::vector<std::string> files;
  for (const json& commit : commits) {
    for (const char* key : {"added", "modified", "removed"}) {
      const json& list = Member(commit, key);
      if (!list.is_array()) continue;
      for (const json& file : list) {
        if (file.is_string()) files.push_back(file.get<std::string>());
      }
    }
  }
  return files;
}

// GitHub, Gitea, Gogs and the generic form share the top level: ref, commits, repository.
Push CommonPush(const json& body, const json& repository, const char* total_key) {
  Push push;
  for (const char* key :
       {"html_url", "clone_url", "ssh_url", "git_http_url", "git_ssh_url", "web_url", "url"}) {
    AddString(push.repository_urls, repository, key);
  }
  AddString(push.refs, body, "ref");
  push.default_branch = OptionalString(repository, "default_branch");
  push.changed_files = ChangedFiles(body, total_key);
  return push;
}

Push BitbucketServerPush(const json& body) {
  Push push;
  const json& clones = Member(Member(Member(body, "repository"), "links"), "clone");
  if (clones.is_array()) {
    for (const json& clone : clones) AddString(push.repository_urls, clone, "href");
  }
  const json& changes = Member(body, "changes");
  if (changes.is_array()) {
    for (const json& change : changes) AddString(push.refs, Member(change, "ref"), "id");
  }
  return push;
}

Result<std::optional<Push>> Checked(Provider provider, Push push) {
  if (push.repository_urls.empty()) {
    return Status::Invalid(std::string(ProviderName(provider)) +
                           " push event: the repository has no URL");
  }
  if (push.refs.empty()) {
    return Status::Invalid(std::string(ProviderName(provider)) + " push event: no ref");
  }
  return std::optional<Push>(std::move(push));
}

}  // namespace

std::string_view ProviderName(Provider provider) {
  switch (provider) {
    case Provider::kGitea:
      return "gitea";
    case Provider::kGogs:
      return "gogs";
    case Provider::kGitHub:
      return "github";
    case Provider::kGitLab:
      return "gitlab";
    case Provider::kBitbucketServer:
      return "bitbucket-server";
    case Provider::kGeneric:
      return "generic";
  }
  return "generic";
}

Provider Detect(const Request& request) {
  if (!request.header("X-Gitea-Event").empty()) return Provider::kGitea;
  if (!request.header("X-Gogs-Event").empty()) return Provider::kGogs;
  if (!request.header("X-GitHub-Event").empty()) return Provider::kGitHub;
  if (!request.header("X-Gitlab-Event").empty()) return Provider::kGitLab;
  if (!request.header("X-Event-Key").empty()) return Provider::kBitbucketServer;
  return Provider::kGeneric;
}

Result<std::optional<Push>> ParsePush(Provider provider, const Request& request) {
  std::string event;
  switch (provider) {
    case Provider::kGitea:
      event = request.header("X-Gitea-Event");
      break;
    case Provider::kGogs:
      event = request.header("X-Gogs-Event");
      break;
    case Provider::kGitHub:
      event = request.header("X-GitHub-Event");
      break;
    case Provider::kGitLab:
      event = request.header("X-Gitlab-Event");
      break;
    case Provider::kBitbucketServer:
      event = request.header("X-Event-Key");
      break;
    case Provider::kGeneric:
      event = "push";
      break;
  }
  bool push = provider == Provider::kGitLab ? (event == "Push Hook" || event == "Tag Push Hook")
              : provider == Provider::kBitbucketServer ? event == "repo:refs_changed"
                                                       : event == "push";
  if (!push) return std::optional<Push>();
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::Invalid(std::string(ProviderName(provider)) +
                           " push event: the body is not a JSON object");
  }
  switch (provider) {
    case Provider::kGitLab:
      return Checked(provider, CommonPush(body, Member(body, "project"), "total_commits_count"));
    case Provider::kBitbucketServer:
      return Checked(provider, BitbucketServerPush(body));
    case Provider::kGitea:
      return Checked(provider, CommonPush(body, Member(body, "repository"), "total_commits"));
    default:
      return Checked(provider, CommonPush(body, Member(body, "repository"), ""));
  }
}

}  // namespace converge::webhook
