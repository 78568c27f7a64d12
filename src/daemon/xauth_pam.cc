// XAUTH through PAM (Linux-PAM pam_start(3)): pam_authenticate then pam_acct_mgmt for the
// service [General]:XAuth-pam-service; the conversation function answers every
// PAM_PROMPT_ECHO_OFF prompt with the XAUTH password and refuses echo-on prompts (nothing else
// to give). Runs with the caller's privileges (the monitor under privilege separation).
#include <security/pam_appl.h>

#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "daemon/xauth_backend.h"

namespace ike::daemon {

namespace {

struct ConvData {
  const base::SecureBytes* password;
};

int conversation(int n, const struct pam_message** msg, struct pam_response** resp,
                 void* appdata) {
  if (n <= 0 || n > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
  auto* data = static_cast<ConvData*>(appdata);
  auto* out = static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(n), sizeof(pam_response)));
  if (out == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < n; ++i) {
    switch (msg[i]->msg_style) {
      case PAM_PROMPT_ECHO_OFF: {
        const std::size_t len = data->password->size();
        char* p = static_cast<char*>(std::malloc(len + 1));
        if (p == nullptr) {
          for (int j = 0; j < i; ++j) std::free(out[j].resp);
          std::free(out);
          return PAM_BUF_ERR;
        }
        std::memcpy(p, data->password->data(), len);
        p[len] = '\0';
        out[i].resp = p;  // PAM frees (and the modules wipe) it
        break;
      }
      case PAM_ERROR_MSG:
      case PAM_TEXT_INFO:
        break;
      default:  // PAM_PROMPT_ECHO_ON and anything else: we have nothing to answer
        for (int j = 0; j < i; ++j) {
          if (out[j].resp != nullptr) explicit_bzero(out[j].resp, std::strlen(out[j].resp));
          std::free(out[j].resp);
        }
        std::free(out);
        return PAM_CONV_ERR;
    }
  }
  *resp = out;
  return PAM_SUCCESS;
}

}  // namespace

base::Status xauth_pam_verify(const std::string& service, const std::string& user,
                              const base::SecureBytes& password) {
  ConvData data{&password};
  const struct pam_conv conv{&conversation, &data};
  pam_handle_t* h = nullptr;
  int rc = pam_start(service.c_str(), user.c_str(), &conv, &h);
  if (rc != PAM_SUCCESS) {
    return base::make_error(base::ErrorCode::Config, base::NotifyType::None,
                            "PAM service \"{}\": pam_start: {}", base::sanitize_for_log(service),
                            pam_strerror(h, rc));
  }
  rc = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
  const char* step = "pam_authenticate";
  if (rc == PAM_SUCCESS) {
    rc = pam_acct_mgmt(h, PAM_SILENT);
    step = "pam_acct_mgmt";
  }
  std::string why = rc == PAM_SUCCESS ? std::string() : pam_strerror(h, rc);
  pam_end(h, rc);
  if (rc == PAM_SUCCESS) return base::ok();
  return base::make_error(base::ErrorCode::Auth, base::NotifyType::None,
                          "XAUTH user \"{}\": PAM service \"{}\" {}: {}",
                          base::sanitize_for_log(user), base::sanitize_for_log(service), step,
                          why);
}

}  // namespace ike::daemon
