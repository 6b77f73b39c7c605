// batch-processing commands that create jobs (B3): process-images-with-workflow,
// process-videos-with-workflow, trt-compile (spec §9.4). The options are declared here for
// parsing and --help from the job field table (jobs/JobFields.h), which the specs also read.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "jobs/JobSpecTrt.h"
#include "jobs/JobSpecWorkflow.h"

namespace bd::cli {
namespace {

QString s(const char *text) { return QString::fromLatin1(text); }

// W1 then B3; prints "Triggered job with ID: <id>" (or {"jobId", "response"} with --json).
int createJob(CliContext &ctx, const QString &jobId, const QString &jobName, const QJsonObject &definition)
{
    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->createJob(jobId, jobName, definition);
    if (!call->exec())
        return ctx.fail(call->error());
    if (ctx.isJson())
        ctx.printJson(QJsonObject{{s("jobId"), jobId}, {s("response"), call->result()}});
    else
        ctx.out() << "Triggered job with ID: " << jobId << Qt::endl;
    return 0;
}

int runWorkflowJob(CliContext &ctx, const QStringList &args, jobs::WorkflowInput input)
{
    CommandOptions opts(ctx);
    opts.addJobFields(input == jobs::WorkflowInput::Videos ? jobs::JobKind::Videos : jobs::JobKind::Images);
    if (auto rc = opts.parse(args))
        return *rc;
    jobs::FieldProblems problems;
    // The workspace comes from W1; validate with a stand-in first so that usage errors are
    // reported before any network call.
    jobs::WorkflowJobSpec spec = jobs::WorkflowJobSpec::fromCliOptions(input, args, s("pending"), &problems);
    if (spec.jobId.isEmpty())
        spec.jobId = jobs::generateJobId();
    problems += spec.validate();
    if (!problems.isEmpty())
        return ctx.usage(jobs::describeProblems(problems));

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *w1 = client->resolveWorkspace();
    if (!w1->exec())
        return ctx.fail(w1->error());
    spec.workspace = w1->result();
    return createJob(ctx, spec.jobId, spec.jobName, spec.toWireJson());
}

int processImages(CliContext &ctx, const QStringList &args)
{
    return runWorkflowJob(ctx, args, jobs::WorkflowInput::Images);
}

int processVideos(CliContext &ctx, const QStringList &args)
{
    return runWorkflowJob(ctx, args, jobs::WorkflowInput::Videos);
}

int trtCompile(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    opts.addJobFields(jobs::JobKind::Trt);
    if (auto rc = opts.parse(args))
        return *rc;
    jobs::FieldProblems problems;
    jobs::TrtJobSpec spec = jobs::TrtJobSpec::fromCliOptions(args, &problems);
    if (spec.jobId.isEmpty())
        spec.jobId = jobs::generateJobId(true);
    problems += spec.validate();
    if (!problems.isEmpty())
        return ctx.usage(jobs::describeProblems(problems));
    return createJob(ctx, spec.jobId, spec.jobName, spec.toWireJson());
}

}  // namespace

QVector<CliCommand> jobCreateCommands()
{
    const QString g = s("batch-processing");
    return {
        {g, s("process-images-with-workflow"), s("Start a job running a workflow over a batch of images."),
         processImages},
        {g, s("process-videos-with-workflow"), s("Start a job running a workflow over a batch of videos."),
         processVideos},
        {g, s("trt-compile"), s("Start a TensorRT compilation job for a model."), trtCompile},
    };
}

}  // namespace bd::cli
