#include "SettingsDialog.h"

#include "FieldValidation.h"
#include "StatusTone.h"
#include "TextWrap.h"
#include "core/Database.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace bd::ui {

namespace {
QString commandLine(const QString &command)
{
    // A line of its own; no break opportunity inside (non-breaking spaces, word joiners after '/').
    QString html = command.toHtmlEscaped();
    html.replace(QLatin1Char(' '), QStringLiteral("&nbsp;"));
    html.replace(QLatin1Char('/'), QStringLiteral("/&#8288;"));
    return QStringLiteral("<br>&nbsp;&nbsp;<tt>%1</tt>").arg(html);
}
}  // namespace

SettingsDialog::SettingsDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Settings"));

    auto *hooks = new QGroupBox(tr("Webhook receiver"), this);
    m_enabled = new QCheckBox(tr("&Receive webhook notifications"), hooks);
    m_host = new QComboBox(hooks);
    m_host->setEditable(true);
    m_host->addItem(QStringLiteral("127.0.0.1"));
    m_host->addItem(QStringLiteral("0.0.0.0"));
    m_host->setToolTip(tr("127.0.0.1 accepts connections from this computer only (a tunnel or reverse proxy "
                          "forwards to it); 0.0.0.0 listens on every network interface."));
    m_port = new QSpinBox(hooks);
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any free port"));
    m_publicUrl = new QLineEdit(hooks);
    m_publicUrl->setPlaceholderText(tr("https://hooks.example.com/batchdeck (optional)"));
    m_publicUrl->setToolTip(tr("The address Roboflow can reach, forwarded to this receiver. Ingests and jobs "
                               "started from Batchdeck send it as notificationsURL."));
    m_key = new QLineEdit(hooks);
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setClearButtonEnabled(true);
    auto *note = new QLabel(
        tr("Roboflow's servers cannot reach an address on your computer. Expose the receiver with a tunnel "
           "or a reverse proxy and enter its address as the public URL:%1%2%3"
           "<br>Notifications must carry your workspace's publishable key (%4); it is kept in the "
           "system keychain, never in a settings file.")
            // One command per line, spaces unbreakable: they wrapped inside a flag and a URL.
            .arg(commandLine(QStringLiteral("ssh -R 443:127.0.0.1:PORT host")),
                 commandLine(QStringLiteral("cloudflared tunnel --url http://127.0.0.1:PORT")),
                 commandLine(QStringLiteral("nginx: proxy_pass http://127.0.0.1:PORT;")),
                 QStringLiteral("<tt>Authorization:&nbsp;Bearer&nbsp;…</tt>")),
        hooks);
    note->setWordWrap(true);
    note->setTextFormat(Qt::RichText);
    note->setForegroundRole(QPalette::PlaceholderText);
    auto *form = new QFormLayout(hooks);
    form->addRow(m_enabled);
    form->addRow(tr("&Address:"), m_host);
    form->addRow(tr("P&ort:"), m_port);
    form->addRow(tr("&Public URL:"), m_publicUrl);
    form->addRow(tr("Publishable &key:"), m_key);
    form->addRow(note);

    auto *transfers = new QGroupBox(tr("Transfers"), this);
    m_upload = new QSpinBox(transfers);
    m_upload->setRange(1, 16);
    m_download = new QSpinBox(transfers);
    m_download->setRange(1, 32);
    auto *tform = new QFormLayout(transfers);
    tform->addRow(tr("Parallel &uploads:"), m_upload);
    tform->addRow(tr("Parallel &downloads:"), m_download);
    m_downloadFolder = new QLineEdit(transfers);
    m_downloadFolder->setPlaceholderText(tr("your Downloads folder"));
    m_downloadFolder->setToolTip(tr("Results are proposed in <this folder>/<job or batch id>"));
    auto *browse = new QPushButton(tr("&Browse…"), transfers);
    browse->setAccessibleName(tr("Browse for the download folder"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Download folder"), m_downloadFolder->text());
        if (!dir.isEmpty())
            m_downloadFolder->setText(QDir::toNativeSeparators(dir));
    });
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_downloadFolder, 1);
    folderRow->addWidget(browse);
    auto *folderLabel = new QLabel(tr("Download &folder:"), transfers);
    folderLabel->setBuddy(m_downloadFolder);
    tform->addRow(folderLabel, folderRow);

    auto *refresh = new QGroupBox(tr("Refresh and data"), this);
    m_jobsRefresh = new QSpinBox(refresh);
    m_jobsRefresh->setRange(2, 600);
    m_jobsRefresh->setSuffix(tr(" s"));
    m_batchesRefresh = new QSpinBox(refresh);
    m_batchesRefresh->setRange(5, 3600);
    m_batchesRefresh->setSuffix(tr(" s"));
    auto *data = new QLabel(breakableAtSeparators(QDir::toNativeSeparators(appDataDir())), refresh);
    data->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    data->setWordWrap(true);
    data->setToolTip(tr("Journals (resumable ingests and exports), watched jobs and the sandbox's data; "
                        "set BATCHDECK_DATA_DIR to move it"));
    data->setAccessibleName(tr("Data location"));
    auto *rform = new QFormLayout(refresh);
    rform->addRow(tr("&Jobs list every:"), m_jobsRefresh);
    rform->addRow(tr("Batches and e&xports every:"), m_batchesRefresh);
    rform->addRow(tr("Data location:"), data);

    m_problem = FieldValidation::makeMessageLine(this);   // reserved: the buttons do not move
    m_problem->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    // The groups scroll when the screen (or the main window) is short; the buttons stay.
    auto *page = new QWidget;
    auto *pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addWidget(hooks);
    pageLayout->addWidget(transfers);
    pageLayout->addWidget(refresh);
    pageLayout->addStretch();
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(page);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);

    for (QWidget *w : { static_cast<QWidget *>(m_host), static_cast<QWidget *>(m_port),
                        static_cast<QWidget *>(m_publicUrl), static_cast<QWidget *>(m_key) })
        w->setEnabled(false);
    connect(m_enabled, &QCheckBox::toggled, this, [this](bool on) {
        for (QWidget *w : { static_cast<QWidget *>(m_host), static_cast<QWidget *>(m_port),
                            static_cast<QWidget *>(m_publicUrl), static_cast<QWidget *>(m_key) })
            w->setEnabled(on);
        validate();
    });
    connect(m_host, &QComboBox::currentTextChanged, this, &SettingsDialog::validate);
    connect(m_publicUrl, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_key, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    setMinimumWidth(560);
    validate();
    const int wanted = page->sizeHint().height() + buttons->sizeHint().height() + m_problem->sizeHint().height() + 40;
    const int room = parent ? parent->window()->height() : wanted;
    resize(qMax(minimumWidth(), page->sizeHint().width() + 40), qMin(wanted, qMax(room, 300)));
}

void SettingsDialog::setDownloadFolder(const QString &folder)
{
    m_downloadFolder->setText(QDir::toNativeSeparators(folder));
}

QString SettingsDialog::downloadFolder() const
{
    return QDir::fromNativeSeparators(m_downloadFolder->text().trimmed());
}

void SettingsDialog::setRefreshIntervals(int jobsSeconds, int batchesSeconds)
{
    m_jobsRefresh->setValue(jobsSeconds);
    m_batchesRefresh->setValue(batchesSeconds);
}

int SettingsDialog::jobsRefreshSeconds() const { return m_jobsRefresh->value(); }
int SettingsDialog::batchesRefreshSeconds() const { return m_batchesRefresh->value(); }

void SettingsDialog::setWebhookSettings(const WebhookSettings &settings, bool keyStored)
{
    m_keyStored = keyStored;
    m_key->setPlaceholderText(keyStored ? tr("stored in the keychain — type to replace")
                                        : tr("rf_… (Roboflow → Settings → API keys)"));
    m_host->setCurrentText(settings.host);
    m_port->setValue(settings.port);
    m_publicUrl->setText(settings.publicUrl.toString());
    m_enabled->setChecked(settings.enabled);
    validate();
}

WebhookSettings SettingsDialog::webhookSettings() const
{
    WebhookSettings s;
    s.enabled = m_enabled->isChecked();
    s.host = m_host->currentText().trimmed();
    s.port = m_port->value();
    s.publicUrl = QUrl(m_publicUrl->text().trimmed());
    return s;
}

QString SettingsDialog::publishableKey() const { return m_key->text().trimmed(); }
int SettingsDialog::uploadConcurrency() const { return m_upload->value(); }
int SettingsDialog::downloadConcurrency() const { return m_download->value(); }

void SettingsDialog::setConcurrency(int upload, int download)
{
    m_upload->setValue(upload);
    m_download->setValue(download);
}

QString SettingsDialog::problem() const { return m_problem->toolTip(); }   // the text without its ⚠

void SettingsDialog::validate()
{
    QString problem;
    if (m_enabled->isChecked()) {
        const QString host = m_host->currentText().trimmed();
        const QUrl pub(m_publicUrl->text().trimmed(), QUrl::StrictMode);
        if (QHostAddress(host).isNull() && host != QLatin1String("localhost"))
            problem = tr("The address must be an IP address of this computer (127.0.0.1, 0.0.0.0, …).");
        else if (!m_publicUrl->text().trimmed().isEmpty()
                 && (!pub.isValid() || pub.host().isEmpty()
                     || (pub.scheme() != QLatin1String("https") && pub.scheme() != QLatin1String("http"))))
            problem = tr("The public URL must be an http:// or https:// address.");
        else if (!m_keyStored && publishableKey().isEmpty())
            problem = tr("Enter the publishable key the notifications will carry.");
    }
    FieldValidation::showMessage(m_problem, problem);
    if (auto *box = findChild<QDialogButtonBox *>())
        box->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

}  // namespace bd::ui
