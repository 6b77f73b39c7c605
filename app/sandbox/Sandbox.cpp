#include "sandbox/Sandbox.h"

#include "sandbox/SandboxServer.h"

namespace bd::sandbox {

Sandbox::Sandbox(SandboxOptions options) : d(std::make_unique<SandboxServer>(std::move(options))) {}

Sandbox::~Sandbox() = default;

bool Sandbox::start(QString *error) { return d->start(error); }
void Sandbox::stop() { d->stop(); }
bool Sandbox::isRunning() const { return d->isRunning(); }
QUrl Sandbox::apiUrl() const { return d->apiUrl(); }
QUrl Sandbox::storageUrl() const { return d->storageUrl(); }
const SandboxOptions &Sandbox::options() const { return d->options(); }
void Sandbox::setFaultPlan(const QJsonObject &plan) { d->setFaultPlan(plan); }
int Sandbox::requestCount(const QString &routeId) const { return d->requestCount(routeId); }
QVector<LoggedRequest> Sandbox::requestLog() const { return d->requestLog(); }
void Sandbox::setSignedUrlTtlSeconds(qint64 seconds) { d->setSignedUrlTtlSeconds(seconds); }
int Sandbox::seedLargeBatch(const QString &batchId, int files) { return d->seedLargeBatch(batchId, files); }

}  // namespace bd::sandbox
