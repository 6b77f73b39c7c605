#pragma once
// What the HTTP-level API tests share: the key they use (grepped for in redaction checks), a
// client configuration aimed at a TestServer with quick retries, and a blocking run().
#include "api/ApiClient.h"
#include "TestServer.h"

namespace bdtest {

inline const char *const kKey = "secret-key-0123456789";

inline bd::api::ApiConfig configFor(const TestServer &server)
{
    bd::api::ApiConfig c;
    c.baseUrl = QUrl(QString::fromStdString(server.base()));
    c.apiKey = QString::fromLatin1(kKey);
    c.timeoutSeconds = 10;
    c.retry.baseDelayMs = 10;  // keep retry tests quick
    return c;
}

template <class Call>
Call *run(Call *call)
{
    call->exec();
    return call;
}

}  // namespace bdtest
