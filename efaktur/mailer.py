"""Flask-Mail, with a timeout it does not have on its own.

Flask-Mail 0.10 opens ``smtplib.SMTP(server, port)`` with no timeout: a server that
accepts the connection and then never answers would hold the request for ever. Here
every socket operation times out after MAIL_TIMEOUT seconds, and the whole send runs
against a deadline of MAIL_TIMEOUT: the caller waits at most that long and then
reports a failure, whatever the server does.

`send_each_within_deadline` sends several messages over one connection, each failing
on its own: one refused address does not silence the others.
"""
import smtplib
import threading

from flask import current_app
from flask_mail import Connection, Mail, Message


class MailTimeout(TimeoutError):
    pass


class TimeoutConnection(Connection):
    def __init__(self, state, timeout: float):
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self):
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        try:
            host.set_debuglevel(int(self.mail.debug))
            if self.mail.use_tls:
                host.starttls()
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb):
        if self.host is None:
            return
        if exc_type is None:
            self.host.quit()
        else:
            self.host.close()  # after a failure QUIT could wait on a dead server


class TimeoutMail(Mail):
    def connect(self) -> Connection:
        app = current_app
        return TimeoutConnection(app.extensions["mail"], float(app.config.get("MAIL_TIMEOUT", 10)))

    def send_within_deadline(self, message: Message) -> None:
        """Send, or raise: the error of the server, or MailTimeout after MAIL_TIMEOUT seconds."""
        app = current_app._get_current_object()
        deadline = float(app.config.get("MAIL_TIMEOUT", 10))
        outcome: dict = {}

        def send():
            try:
                with app.app_context():
                    self.send(message)
            except BaseException as error:  # handed to the waiting request below
                outcome["error"] = error

        worker = threading.Thread(target=send, name="efaktur-mail", daemon=True)
        worker.start()
        worker.join(deadline)
        if worker.is_alive():
            # The thread ends at its own socket timeout; the request does not wait for it.
            raise MailTimeout(f"timed out: the mail server did not answer within {deadline:g} seconds")
        if "error" in outcome:
            raise outcome["error"]

    def send_each_within_deadline(self, messages: list[Message]) -> list[BaseException | None]:
        """Send every message over one connection; per message None (sent) or what went wrong.

        A message the server refuses fails alone; a connection that fails, or the deadline of
        MAIL_TIMEOUT for all of them, fails those not sent yet.
        """
        app = current_app._get_current_object()
        deadline = float(app.config.get("MAIL_TIMEOUT", 10))
        outcomes: list[BaseException | None] = [None] * len(messages)
        finished = [False] * len(messages)

        def send():
            try:
                with app.app_context(), self.connect() as connection:
                    for i, message in enumerate(messages):
                        try:
                            connection.send(message)
                        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPNotSupportedError,
                                smtplib.SMTPSenderRefused, UnicodeError) as error:
                            outcomes[i] = error  # this address only; the connection goes on
                        finished[i] = True
            except BaseException as error:  # the connection itself: every message not sent yet fails with it
                for i, done in enumerate(finished):
                    if not done:
                        outcomes[i], finished[i] = error, True

        worker = threading.Thread(target=send, name="efaktur-mail", daemon=True)
        worker.start()
        worker.join(deadline)
        late = MailTimeout(f"timed out: the mail server did not answer within {deadline:g} seconds")
        return [outcome if finished[i] else late for i, outcome in enumerate(outcomes)]
