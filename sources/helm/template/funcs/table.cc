// The one function table: Go's builtins, Sprig v3.3.0's generic functions as Helm 4.1.4 keeps
// them, and Helm's additions. Sorted by name; FindFunction relies on it.

#include <algorithm>

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {

CONVERGE_FUNC(FnUpper);
CONVERGE_FUNC(FnLower);
CONVERGE_FUNC(FnTitle);
CONVERGE_FUNC(FnUntitle);
CONVERGE_FUNC(FnTrim);
CONVERGE_FUNC(FnTrimAll);
CONVERGE_FUNC(FnTrimSuffix);
CONVERGE_FUNC(FnTrimPrefix);
CONVERGE_FUNC(FnTrunc);
CONVERGE_FUNC(FnSubstr);
CONVERGE_FUNC(FnRepeat);
CONVERGE_FUNC(FnIndent);
CONVERGE_FUNC(FnNindent);
CONVERGE_FUNC(FnReplace);
CONVERGE_FUNC(FnContains);
CONVERGE_FUNC(FnHasPrefix);
CONVERGE_FUNC(FnHasSuffix);
CONVERGE_FUNC(FnQuote);
CONVERGE_FUNC(FnSquote);
CONVERGE_FUNC(FnCat);
CONVERGE_FUNC(FnNospace);
CONVERGE_FUNC(FnPlural);
CONVERGE_FUNC(FnToString);
CONVERGE_FUNC(FnSplit);
CONVERGE_FUNC(FnSplitn);
CONVERGE_FUNC(FnSplitList);
CONVERGE_FUNC(FnJoin);
CONVERGE_FUNC(FnToStrings);
CONVERGE_FUNC(FnSortAlpha);
CONVERGE_FUNC(FnHello);
CONVERGE_FUNC(FnInitials);
CONVERGE_FUNC(FnSwapcase);
CONVERGE_FUNC(FnList);
CONVERGE_FUNC(FnAppend);
CONVERGE_FUNC(FnPrepend);
CONVERGE_FUNC(FnFirst);
CONVERGE_FUNC(FnLast);
CONVERGE_FUNC(FnRest);
CONVERGE_FUNC(FnInitial);
CONVERGE_FUNC(FnReverse);
CONVERGE_FUNC(FnUniq);
CONVERGE_FUNC(FnWithout);
CONVERGE_FUNC(FnHas);
CONVERGE_FUNC(FnCompact);
CONVERGE_FUNC(FnSlice);
CONVERGE_FUNC(FnConcat);
CONVERGE_FUNC(FnChunk);
CONVERGE_FUNC(FnUntil);
CONVERGE_FUNC(FnUntilStep);
CONVERGE_FUNC(FnSeq);
CONVERGE_FUNC(FnDict);
CONVERGE_FUNC(FnGet);
CONVERGE_FUNC(FnSet);
CONVERGE_FUNC(FnUnset);
CONVERGE_FUNC(FnHasKey);
CONVERGE_FUNC(FnPluck);
CONVERGE_FUNC(FnKeys);
CONVERGE_FUNC(FnValues);
CONVERGE_FUNC(FnPick);
CONVERGE_FUNC(FnOmit);
CONVERGE_FUNC(FnMerge);
CONVERGE_FUNC(FnMergeOverwrite);
CONVERGE_FUNC(FnDig);
CONVERGE_FUNC(FnDefault);
CONVERGE_FUNC(FnEmpty);
CONVERGE_FUNC(FnCoalesce);
CONVERGE_FUNC(FnAll);
CONVERGE_FUNC(FnAny);
CONVERGE_FUNC(FnTernary);
CONVERGE_FUNC(FnDeepCopy);
CONVERGE_FUNC(FnFail);
CONVERGE_FUNC(FnRequired);
CONVERGE_FUNC(FnAdd1);
CONVERGE_FUNC(FnAdd);
CONVERGE_FUNC(FnSub);
CONVERGE_FUNC(FnMul);
CONVERGE_FUNC(FnDiv);
CONVERGE_FUNC(FnMod);
CONVERGE_FUNC(FnMax);
CONVERGE_FUNC(FnMin);
CONVERGE_FUNC(FnMaxf);
CONVERGE_FUNC(FnMinf);
CONVERGE_FUNC(FnAddf);
CONVERGE_FUNC(FnAdd1f);
CONVERGE_FUNC(FnSubf);
CONVERGE_FUNC(FnMulf);
CONVERGE_FUNC(FnDivf);
CONVERGE_FUNC(FnCeil);
CONVERGE_FUNC(FnFloor);
CONVERGE_FUNC(FnRound);
CONVERGE_FUNC(FnInt);
CONVERGE_FUNC(FnInt64);
CONVERGE_FUNC(FnFloat64);
CONVERGE_FUNC(FnAtoi);
CONVERGE_FUNC(FnToDecimal);
CONVERGE_FUNC(FnB64enc);
CONVERGE_FUNC(FnB64dec);
CONVERGE_FUNC(FnB32enc);
CONVERGE_FUNC(FnB32dec);
CONVERGE_FUNC(FnSha1sum);
CONVERGE_FUNC(FnSha256sum);
CONVERGE_FUNC(FnSha512sum);
CONVERGE_FUNC(FnAdler32sum);
CONVERGE_FUNC(FnToJson);
CONVERGE_FUNC(FnToPrettyJson);
CONVERGE_FUNC(FnToRawJson);
CONVERGE_FUNC(FnFromJson);
CONVERGE_FUNC(FnFromJsonArray);
CONVERGE_FUNC(FnMustFromJson);
CONVERGE_FUNC(FnToYaml);
CONVERGE_FUNC(FnFromYaml);
CONVERGE_FUNC(FnFromYamlArray);
CONVERGE_FUNC(FnInclude);
CONVERGE_FUNC(FnTpl);
CONVERGE_FUNC(FnLookup);
CONVERGE_FUNC(FnTypeOf);
CONVERGE_FUNC(FnTypeIs);
CONVERGE_FUNC(FnTypeIsLike);
CONVERGE_FUNC(FnKindOf);
CONVERGE_FUNC(FnKindIs);
CONVERGE_FUNC(FnDeepEqual);
CONVERGE_FUNC(FnBase);
CONVERGE_FUNC(FnDir);
CONVERGE_FUNC(FnClean);
CONVERGE_FUNC(FnExt);
CONVERGE_FUNC(FnIsAbs);
CONVERGE_FUNC(FnAbbrev);
CONVERGE_FUNC(FnAbbrevboth);
CONVERGE_FUNC(FnGetHostByName);
CONVERGE_FUNC(FnCamelcase);
CONVERGE_FUNC(FnSnakecase);
CONVERGE_FUNC(FnKebabcase);
CONVERGE_FUNC(FnWrap);
CONVERGE_FUNC(FnWrapWith);
CONVERGE_FUNC(FnUrlParse);
CONVERGE_FUNC(FnUrlJoin);
CONVERGE_FUNC(FnBcrypt);
CONVERGE_FUNC(FnHtpasswd);
CONVERGE_FUNC(FnDerivePassword);
CONVERGE_FUNC(FnEncryptAES);
CONVERGE_FUNC(FnDecryptAES);
CONVERGE_FUNC(FnGenPrivateKey);
CONVERGE_FUNC(FnBuildCustomCert);
CONVERGE_FUNC(FnToToml);
CONVERGE_FUNC(FnToYamlPretty);
CONVERGE_FUNC(FnMustToJson);
CONVERGE_FUNC(FnMustToPrettyJson);
CONVERGE_FUNC(FnFromToml);
CONVERGE_FUNC(FnNow);
CONVERGE_FUNC(FnDate);
CONVERGE_FUNC(FnDateInZone);
CONVERGE_FUNC(FnHtmlDate);
CONVERGE_FUNC(FnHtmlDateInZone);
CONVERGE_FUNC(FnDateModify);
CONVERGE_FUNC(FnMustDateModify);
CONVERGE_FUNC(FnDuration);
CONVERGE_FUNC(FnDurationRound);
CONVERGE_FUNC(FnAgo);
CONVERGE_FUNC(FnToDate);
CONVERGE_FUNC(FnMustToDate);
CONVERGE_FUNC(FnUnixEpoch);
CONVERGE_FUNC(FnGenCA);
CONVERGE_FUNC(FnGenCAWithKey);
CONVERGE_FUNC(FnGenSelfSignedCert);
CONVERGE_FUNC(FnGenSelfSignedCertWithKey);
CONVERGE_FUNC(FnGenSignedCert);
CONVERGE_FUNC(FnGenSignedCertWithKey);

CONVERGE_FUNC(FnRegexMatch);
CONVERGE_FUNC(FnMustRegexMatch);
CONVERGE_FUNC(FnRegexFind);
CONVERGE_FUNC(FnMustRegexFind);
CONVERGE_FUNC(FnRegexFindAll);
CONVERGE_FUNC(FnMustRegexFindAll);
CONVERGE_FUNC(FnRegexReplaceAll);
CONVERGE_FUNC(FnMustRegexReplaceAll);
CONVERGE_FUNC(FnRegexReplaceAllLiteral);
CONVERGE_FUNC(FnMustRegexReplaceAllLiteral);
CONVERGE_FUNC(FnRegexSplit);
CONVERGE_FUNC(FnMustRegexSplit);
CONVERGE_FUNC(FnRegexQuoteMeta);
CONVERGE_FUNC(FnSemverCompare);
CONVERGE_FUNC(FnSemver);
CONVERGE_FUNC(FnRandAlphaNum);
CONVERGE_FUNC(FnRandAlpha);
CONVERGE_FUNC(FnRandNumeric);
CONVERGE_FUNC(FnRandAscii);
CONVERGE_FUNC(FnRandInt);
CONVERGE_FUNC(FnRandBytes);
CONVERGE_FUNC(FnUuidv4);
CONVERGE_FUNC(FnShuffle);

namespace {

// clang-format off
constexpr FuncDef kFunctions[] = {
    {"abbrev", "is", &FnAbbrev},
    {"abbrevboth", "iis", &FnAbbrevboth},
    {"add", "a*", &FnAdd},
    {"add1", "a", &FnAdd1},
    {"add1f", "a", &FnAdd1f},
    {"addf", "a*", &FnAddf},
    {"adler32sum", "s", &FnAdler32sum},
    {"ago", "a", &FnAgo, true},
    {"all", "a*", &FnAll},
    {"and", "rr*", &FnAnd},
    {"any", "a*", &FnAny},
    {"append", "aa", &FnAppend},
    {"atoi", "s", &FnAtoi},
    {"b32dec", "s", &FnB32dec},
    {"b32enc", "s", &FnB32enc},
    {"b64dec", "s", &FnB64dec},
    {"b64enc", "s", &FnB64enc},
    {"base", "s", &FnBase},
    {"bcrypt", "s", &FnBcrypt, true},
    {"biggest", "aa*", &FnMax},
    {"buildCustomCert", "ss", &FnBuildCustomCert},
    {"call", "rr*", &FnCall},
    {"camelcase", "s", &FnCamelcase},
    {"cat", "a*", &FnCat},
    {"ceil", "a", &FnCeil},
    {"chunk", "ia", &FnChunk},
    {"clean", "s", &FnClean},
    {"coalesce", "a*", &FnCoalesce},
    {"compact", "a", &FnCompact},
    {"concat", "a*", &FnConcat},
    {"contains", "ss", &FnContains},
    {"date", "sa", &FnDate, true},
    {"dateInZone", "sas", &FnDateInZone, true},
    {"dateModify", "st", &FnDateModify, true},
    {"date_in_zone", "sas", &FnDateInZone, true},
    {"date_modify", "st", &FnDateModify, true},
    {"decryptAES", "ss", &FnDecryptAES},
    {"deepCopy", "a", &FnDeepCopy},
    {"deepEqual", "aa", &FnDeepEqual},
    {"default", "aa*", &FnDefault},
    {"derivePassword", "ussss", &FnDerivePassword},
    {"dict", "a*", &FnDict},
    {"dig", "a*", &FnDig},
    {"dir", "s", &FnDir},
    {"div", "aa", &FnDiv},
    {"divf", "aa*", &FnDivf},
    {"duration", "a", &FnDuration},
    {"durationRound", "a", &FnDurationRound, true},
    {"empty", "a", &FnEmpty},
    {"encryptAES", "ss", &FnEncryptAES, true},
    {"eq", "rr*", &FnEq},
    {"ext", "s", &FnExt},
    {"fail", "s", &FnFail},
    {"first", "a", &FnFirst},
    {"float64", "a", &FnFloat64},
    {"floor", "a", &FnFloor},
    {"fromJson", "s", &FnFromJson},
    {"fromJsonArray", "s", &FnFromJsonArray},
    {"fromToml", "s", &FnFromToml},
    {"fromYaml", "s", &FnFromYaml},
    {"fromYamlArray", "s", &FnFromYamlArray},
    {"ge", "rr", &FnGe},
    {"genCA", "si", &FnGenCA, true},
    {"genCAWithKey", "sis", &FnGenCAWithKey, true},
    {"genPrivateKey", "s", &FnGenPrivateKey, true},
    {"genSelfSignedCert", "slli", &FnGenSelfSignedCert, true},
    {"genSelfSignedCertWithKey", "sllis", &FnGenSelfSignedCertWithKey, true},
    {"genSignedCert", "sllic", &FnGenSignedCert, true},
    {"genSignedCertWithKey", "sllics", &FnGenSignedCertWithKey, true},
    {"get", "ms", &FnGet},
    {"getHostByName", "s", &FnGetHostByName},
    {"gt", "rr", &FnGt},
    {"has", "aa", &FnHas},
    {"hasKey", "ms", &FnHasKey},
    {"hasPrefix", "ss", &FnHasPrefix},
    {"hasSuffix", "ss", &FnHasSuffix},
    {"hello", "", &FnHello},
    {"html", "a*", &FnHtml},
    {"htmlDate", "a", &FnHtmlDate, true},
    {"htmlDateInZone", "as", &FnHtmlDateInZone, true},
    {"htpasswd", "ss", &FnHtpasswd, true},
    {"include", "sa", &FnInclude},
    {"indent", "is", &FnIndent},
    {"index", "rr*", &FnIndex},
    {"initial", "a", &FnInitial},
    {"initials", "s", &FnInitials},
    {"int", "a", &FnInt},
    {"int64", "a", &FnInt64},
    {"isAbs", "s", &FnIsAbs},
    {"join", "sa", &FnJoin},
    {"js", "a*", &FnJs},
    {"kebabcase", "s", &FnKebabcase},
    {"keys", "m*", &FnKeys},
    {"kindIs", "sa", &FnKindIs},
    {"kindOf", "a", &FnKindOf},
    {"last", "a", &FnLast},
    {"le", "rr", &FnLe},
    {"len", "r", &FnLen},
    {"list", "a*", &FnList},
    {"lookup", "ssss", &FnLookup},
    {"lower", "s", &FnLower},
    {"lt", "rr", &FnLt},
    {"max", "aa*", &FnMax},
    {"maxf", "aa*", &FnMaxf},
    {"merge", "mm*", &FnMerge},
    {"mergeOverwrite", "mm*", &FnMergeOverwrite},
    {"min", "aa*", &FnMin},
    {"minf", "aa*", &FnMinf},
    {"mod", "aa", &FnMod},
    {"mul", "aa*", &FnMul},
    {"mulf", "aa*", &FnMulf},
    {"mustAppend", "aa", &FnAppend},
    {"mustChunk", "ia", &FnChunk},
    {"mustCompact", "a", &FnCompact},
    {"mustDateModify", "st", &FnMustDateModify, true},
    {"mustDeepCopy", "a", &FnDeepCopy},
    {"mustFirst", "a", &FnFirst},
    {"mustFromJson", "s", &FnMustFromJson},
    {"mustHas", "aa", &FnHas},
    {"mustInitial", "a", &FnInitial},
    {"mustLast", "a", &FnLast},
    {"mustMerge", "mm*", &FnMerge},
    {"mustMergeOverwrite", "mm*", &FnMergeOverwrite},
    {"mustPrepend", "aa", &FnPrepend},
    {"mustPush", "aa", &FnAppend},
    {"mustRegexFind", "ss", &FnMustRegexFind},
    {"mustRegexFindAll", "ssi", &FnMustRegexFindAll},
    {"mustRegexMatch", "ss", &FnMustRegexMatch},
    {"mustRegexReplaceAll", "sss", &FnMustRegexReplaceAll},
    {"mustRegexReplaceAllLiteral", "sss", &FnMustRegexReplaceAllLiteral},
    {"mustRegexSplit", "ssi", &FnMustRegexSplit},
    {"mustRest", "a", &FnRest},
    {"mustReverse", "a", &FnReverse},
    {"mustSlice", "aa*", &FnSlice},
    {"mustToDate", "ss", &FnMustToDate, true},
    {"mustToJson", "a", &FnMustToJson},
    {"mustToPrettyJson", "a", &FnMustToPrettyJson},
    {"mustToRawJson", "a", &FnToRawJson},
    {"mustToYaml", "a", &FnToYaml},
    {"mustUniq", "a", &FnUniq},
    {"mustWithout", "aa*", &FnWithout},
    {"must_date_modify", "st", &FnMustDateModify, true},
    {"ne", "rr", &FnNe},
    {"nindent", "is", &FnNindent},
    {"nospace", "s", &FnNospace},
    {"not", "r", &FnNot},
    {"now", "", &FnNow, true},
    {"omit", "ms*", &FnOmit},
    {"or", "rr*", &FnOr},
    {"osBase", "s", &FnBase},
    {"osClean", "s", &FnClean},
    {"osDir", "s", &FnDir},
    {"osExt", "s", &FnExt},
    {"osIsAbs", "s", &FnIsAbs},
    {"pick", "ms*", &FnPick},
    {"pluck", "sm*", &FnPluck},
    {"plural", "ssi", &FnPlural},
    {"prepend", "aa", &FnPrepend},
    {"print", "a*", &FnPrint},
    {"printf", "sa*", &FnPrintf},
    {"println", "a*", &FnPrintln},
    {"push", "aa", &FnAppend},
    {"quote", "a*", &FnQuote},
    {"randAlpha", "i", &FnRandAlpha, true},
    {"randAlphaNum", "i", &FnRandAlphaNum, true},
    {"randAscii", "i", &FnRandAscii, true},
    {"randBytes", "i", &FnRandBytes, true},
    {"randInt", "ii", &FnRandInt, true},
    {"randNumeric", "i", &FnRandNumeric, true},
    {"regexFind", "ss", &FnRegexFind},
    {"regexFindAll", "ssi", &FnRegexFindAll},
    {"regexMatch", "ss", &FnRegexMatch},
    {"regexQuoteMeta", "s", &FnRegexQuoteMeta},
    {"regexReplaceAll", "sss", &FnRegexReplaceAll},
    {"regexReplaceAllLiteral", "sss", &FnRegexReplaceAllLiteral},
    {"regexSplit", "ssi", &FnRegexSplit},
    {"repeat", "is", &FnRepeat},
    {"replace", "sss", &FnReplace},
    {"required", "sa", &FnRequired},
    {"rest", "a", &FnRest},
    {"reverse", "a", &FnReverse},
    {"round", "aif*", &FnRound},
    {"semver", "s", &FnSemver},
    {"semverCompare", "ss", &FnSemverCompare},
    {"seq", "i*", &FnSeq},
    {"set", "msa", &FnSet},
    {"sha1sum", "s", &FnSha1sum},
    {"sha256sum", "s", &FnSha256sum},
    {"sha512sum", "s", &FnSha512sum},
    {"shuffle", "s", &FnShuffle, true},
    {"slice", "aa*", &FnSlice},
    {"snakecase", "s", &FnSnakecase},
    {"sortAlpha", "a", &FnSortAlpha},
    {"split", "ss", &FnSplit},
    {"splitList", "ss", &FnSplitList},
    {"splitn", "sis", &FnSplitn},
    {"squote", "a*", &FnSquote},
    {"sub", "aa", &FnSub},
    {"subf", "aa*", &FnSubf},
    {"substr", "iis", &FnSubstr},
    {"swapcase", "s", &FnSwapcase},
    {"ternary", "aab", &FnTernary},
    {"title", "s", &FnTitle},
    {"toDate", "ss", &FnToDate, true},
    {"toDecimal", "a", &FnToDecimal},
    {"toJson", "a", &FnToJson},
    {"toPrettyJson", "a", &FnToPrettyJson},
    {"toRawJson", "a", &FnToRawJson},
    {"toString", "a", &FnToString},
    {"toStrings", "a", &FnToStrings},
    {"toToml", "a", &FnToToml},
    {"toYaml", "a", &FnToYaml},
    {"toYamlPretty", "a", &FnToYamlPretty},
    {"tpl", "sa", &FnTpl},
    {"trim", "s", &FnTrim},
    {"trimAll", "ss", &FnTrimAll},
    {"trimPrefix", "ss", &FnTrimPrefix},
    {"trimSuffix", "ss", &FnTrimSuffix},
    {"trimall", "ss", &FnTrimAll},
    {"trunc", "is", &FnTrunc},
    {"tuple", "a*", &FnList},
    {"typeIs", "sa", &FnTypeIs},
    {"typeIsLike", "sa", &FnTypeIsLike},
    {"typeOf", "a", &FnTypeOf},
    {"uniq", "a", &FnUniq},
    {"unixEpoch", "t", &FnUnixEpoch, true},
    {"unset", "ms", &FnUnset},
    {"until", "i", &FnUntil},
    {"untilStep", "iii", &FnUntilStep},
    {"untitle", "s", &FnUntitle},
    {"upper", "s", &FnUpper},
    {"urlJoin", "m", &FnUrlJoin},
    {"urlParse", "s", &FnUrlParse},
    {"urlquery", "a*", &FnUrlquery},
    {"uuidv4", "", &FnUuidv4, true},
    {"values", "m", &FnValues},
    {"without", "aa*", &FnWithout},
    {"wrap", "is", &FnWrap},
    {"wrapWith", "iss", &FnWrapWith},
};
// clang-format on

}  // namespace

std::span<const FuncDef> FunctionTable() { return kFunctions; }

const FuncDef* FindFunction(std::string_view name) {
  auto found =
      std::lower_bound(std::begin(kFunctions), std::end(kFunctions), name,
                       [](const FuncDef& def, std::string_view key) { return def.name < key; });
  if (found == std::end(kFunctions) || found->name != name) return nullptr;
  return &*found;
}

}  // namespace converge::sources::helm::tmpl
