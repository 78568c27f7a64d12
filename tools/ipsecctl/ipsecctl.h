// ipsecctl(8): the command-line front end (OpenBSD sbin/ipsecctl/ipsecctl.c main()). Order of
// work: -F flush, -f load (parse everything first; with errors "Syntax error in config file:
// ipsec rules not loaded" and nothing is sent), -s show, -m monitor. Loading installs the manual
// flow and SA rules in the kernel (kernel_rules.h: all converted before any is installed) and
// sends the ike rules to isakmpd through its FIFO (-i, default /var/run/isakmpd.fifo); -d
// deletes both; -n only parses (and with -v prints). run() takes the streams and the
// environment (kernel backend included) so the whole tool is testable in process.
#pragma once

#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "kernel_state_source.h"
#include "parser.h"

namespace ike::ipsecctl {

struct Environment {
  std::istream* in = nullptr;  // for "-f -"
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::string hostname;        // default srcid of `ike dynamic`
  FileLoader loader;           // files for -f, include and key files
  KernelOpener open_kernel;    // the kernel backend; empty: XFRM (xfrm_kernel_opener())
};

// Returns the process exit status.
int run(const std::vector<std::string>& args, Environment& env);

}  // namespace ike::ipsecctl
