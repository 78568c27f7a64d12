// ipsecctl(8) entry point: the real streams, hostname and file loader around ipsecctl::run().
// stdout stays buffered and stderr unbuffered, as with OpenBSD stdio, so `2>&1` on a pipe shows
// the messages before the printed rules exactly like OpenBSD's regress outputs.
#include <unistd.h>

#include <climits>
#include <iostream>
#include <string>
#include <vector>

#include "ipsecctl.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::cerr.tie(nullptr);  // stderr must not flush the buffered stdout first
  std::vector<std::string> args(argv, argv + argc);
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  ike::ipsecctl::Environment env;
  env.in = &std::cin;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.hostname = host;
  env.loader = ike::ipsecctl::default_file_loader();
  const int status = ike::ipsecctl::run(args, env);
  std::cout.flush();
  return status;
}
