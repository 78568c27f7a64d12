// Runs the ipsecctl front end in process (ipsecctl::run) with string streams, a fixed hostname
// and the real file loader: what the regress and grammar tests compare byte for byte. The kernel
// backend is XFRM unless `kernel` is given (unit tests pass a kernel::NullBackend; only the
// engine-label tests, inside their own network namespace, reach the real kernel).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "ipsecctl.h"

namespace ike::ipsecctl::test {

struct RunResult {
  int status = 0;
  std::string out;
  std::string err;
};

inline RunResult run_ipsecctl(const std::vector<std::string>& flags, const std::string& input,
                              const std::string& hostname = "testhost.example",
                              KernelOpener kernel = {}) {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  Environment env;
  env.in = &in;
  env.out = &out;
  env.err = &err;
  env.hostname = hostname;
  env.loader = default_file_loader();
  env.open_kernel = std::move(kernel);
  std::vector<std::string> args{"ipsecctl"};
  args.insert(args.end(), flags.begin(), flags.end());
  RunResult r;
  r.status = run(args, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace ike::ipsecctl::test
