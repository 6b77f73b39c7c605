// batch-processing process-asset-library-with-workflow: a Workflow job over images already in
// the workspace's Asset Library (docs/protocol.md §16) - exact image ids from a
// file, a RoboQL query, or the whole library (--all-images --confirm). The options mirror
// process-images-with-workflow where they apply (no batch, part or job id: the service stages the
// selection and names the job). The request's idempotency key is journalled before the first
// attempt (jobs::AssetLibraryLauncher), so a retry or a re-run after a crash never starts a
// second job; --idempotency-key K uses a key of the caller's own.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "jobs/AssetLibraryLauncher.h"

#include <QJsonObject>

namespace bd::cli {
namespace {

QString s(const char *text) { return QString::fromLatin1(text); }

int processAssetLibrary(CliContext &ctx, const QStringList &args)
{
    CommandOptions o(ctx);
    o.addValue({s("image-ids")}, s("File of image ids (one per line, or separated by commas or spaces; '#' comments; - for "
                                   "standard input)."), s("file"));
    o.addValue({s("q"), s("query")}, s("RoboQL query selecting the images."), s("query"));
    o.addFlag({s("all-images")}, s("Run over every image of the Asset Library (needs --confirm)."));
    o.addFlag({s("confirm")}, s("Confirm --all-images."));
    o.addValue({s("idempotency-key")}, s("Key of your own for this request (default: generated once and kept in the "
                                         "local journal until the service answers)."), s("key"));
    o.addJobFields(jobs::JobKind::AssetLibrary);
    if (auto rc = o.parse(args))
        return *rc;
    jobs::FieldProblems problems;
    const jobs::AssetLibraryJobSpec spec = jobs::AssetLibraryJobSpec::fromCliOptions(args, &problems);
    problems += spec.validate();
    if (!problems.isEmpty())
        return ctx.usage(jobs::describeProblems(problems));

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    jobs::AssetLibraryLauncher launcher(client);
    launcher.setSpec(spec);
    if (!launcher.exec())
        return ctx.fail(launcher.error());
    if (ctx.isJson()) {
        ctx.printJson(QJsonObject{{s("jobId"), launcher.jobId()},
                                  {s("idempotencyKey"), launcher.idempotencyKey()},
                                  {s("reusedPendingKey"), launcher.reusedPendingKey()},
                                  {s("selection"), spec.selectionSummary()}});
    } else {
        if (launcher.reusedPendingKey())
            ctx.err() << "An earlier run of this request got no answer; its idempotency key was reused, so no second "
                         "job was started." << Qt::endl;
        ctx.out() << "Triggered job with ID: " << launcher.jobId() << " (" << spec.selectionSummary() << ")" << Qt::endl;
    }
    return 0;
}

}  // namespace

QVector<CliCommand> assetLibraryCommands()
{
    return {
        {s("batch-processing"), s("process-asset-library-with-workflow"),
         s("Start a job running a workflow over images in the Asset Library (ids, a RoboQL query, or all)."),
         processAssetLibrary},
    };
}

}  // namespace bd::cli
