from .verify_log import Command as VerifyLog


class Command(VerifyLog):
    help = "Another name for verify_log. " + VerifyLog.help
