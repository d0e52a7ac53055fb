"""The HTTPS listener under a full sslyze scan (issue 16): every scanner opens and drops connections at every stage of
the handshake, which once killed crmhub with SIGPIPE. The scan must find the configuration compliant with Mozilla's
"intermediate" policy, and the server must still answer on both ports afterwards."""

import subprocess
import sys

import requests

from crmhub_process import ROOT, Crmhub, Database, free_port


def test_sslyze_finds_mozilla_intermediate_and_the_server_survives(tmp_path):
    # A CA and a two-day server certificate for localhost, as an operator's would look (scripts/test-ca.sh).
    subprocess.run(["bash", str(ROOT / "scripts" / "test-ca.sh"), str(tmp_path), "localhost"], check=True)
    ca_file, cert_file, key_file = tmp_path / "ca.crt", tmp_path / "server.crt", tmp_path / "server.key"
    database = Database("sslscan")
    https_port = free_port()
    server = Crmhub(database, https_address=f"127.0.0.1:{https_port}", tls_cert_file=cert_file, tls_key_file=key_file,
                    delivery_workers=0)
    try:
        scan = subprocess.run(
            [sys.executable, "-m", "sslyze", "--mozilla_config=intermediate", f"--certinfo_ca_file={ca_file}",
             f"localhost:{https_port}"], capture_output=True, text=True, timeout=300)
        assert scan.returncode == 0, scan.stdout[-3000:] + scan.stderr[-2000:]
        assert "is compliant with Mozilla's intermediate" in scan.stdout or "COMPLIANT" in scan.stdout.upper()
        assert server.process.poll() is None, "crmhub died during the scan"
        assert requests.get(server.base_url + "/healthz", timeout=10).status_code == 200
        assert requests.get(f"https://localhost:{https_port}/healthz", verify=str(ca_file), timeout=10).status_code == 200
    finally:
        server.stop()
        database.drop()
