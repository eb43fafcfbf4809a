from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.audit import CheckpointError, public_key_text, write_checkpoint

from ...conf import setting


class Command(BaseCommand):
    help = (
        "Sign every chain's head and length (Ed25519, GONGZHI_AUDIT_SIGNING_KEY) into a new file for write-once "
        "storage (GONGZHI_AUDIT_CHECKPOINT_DIR or --dir); `gongzhi verify_audit --checkpoint FILE` checks "
        "the trail against it. --generate-key FILE writes a new private key and prints its public key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="where to write (default GONGZHI_AUDIT_CHECKPOINT_DIR)")
        parser.add_argument(
            "--generate-key",
            type=Path,
            metavar="FILE",
            help="write a new Ed25519 private key (PEM, mode 600) to FILE and exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            path = options["generate_key"]
            try:
                with open(path, "xb") as out:
                    out.write(pem)
            except FileExistsError:
                raise CommandError(f"{path} exists; a signing key is never overwritten") from None
            path.chmod(0o600)
            self.stdout.write(
                f"private key written to {path}; public key (GONGZHI_AUDIT_VERIFY_KEY): "
                f"{public_key_text(key.public_key())}"
            )
            return
        folder = options["dir"] or setting("AUDIT_CHECKPOINT_DIR")
        if not folder:
            raise CommandError("no folder: set GONGZHI_AUDIT_CHECKPOINT_DIR or give --dir")
        try:
            path = write_checkpoint(Path(folder))
        except CheckpointError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"checkpoint written: {path}")
