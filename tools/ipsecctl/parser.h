// The ipsec.conf(5) parser: a recursive-descent port of OpenBSD sbin/ipsecctl/parse.y (2017)
// that keeps yacc's observable behaviour: messages "<file>: <line>: <text>" on standard error,
// "syntax error" at the first token that cannot continue a rule, recovery by skipping to the end
// of the line (no new "syntax error" for the next two tokens, like byacc's yyerrflag), macros
// (`name = "value"`, `$name`, -D), `include "file"`, address lists expanded into every
// src x dst pair of the same family, OpenBSD's defaults (esp, tunnel, require, hmac-sha2-256 +
// aes for manual SAs; main mode sha1/aes/modp3072, quick mode sha2-256/aes/modp3072, rsa for
// ike). Rules are printed as they are added when verbose (ipsecctl_add_rule()). Parse, validate,
// then act: the parser only builds Rule values; committing them is the caller's job.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "base/result.h"
#include "printer.h"
#include "rule.h"

namespace ike::ipsecctl {

struct ParseOptions {
  bool verbose = false;   // -v: print macros and rules while parsing
  bool verbose2 = false;  // -vv
  PrintOptions print;
};

// Reads a file for `include` and `file "..."` keys. `secret`: the file holds keys or rules and
// must not be group/world accessible (OpenBSD check_file_secrecy). Error detail is what follows
// "ipsecctl: " (e.g. "/x: No such file or directory").
using FileLoader = std::function<base::Result<std::string>(const std::string& path, bool secret)>;
FileLoader default_file_loader();

enum class ParseStatus {
  Ok,
  Errors,  // messages printed; "Syntax error in config file" follows
  Fatal,   // OpenBSD errx()/err(): message printed, the program exits at once
};

struct ParseOutcome {
  ParseStatus status = ParseStatus::Ok;
  std::vector<Rule> rules;
};

// `macros`: -D definitions (they win over the file's). `name` is printed in messages ("stdin").
ParseOutcome parse_rules(const std::string& name, std::string contents,
                         const std::map<std::string, std::string>& macros,
                         const ParseOptions& opts, const FileLoader& loader, std::ostream& out,
                         std::ostream& err);

}  // namespace ike::ipsecctl
