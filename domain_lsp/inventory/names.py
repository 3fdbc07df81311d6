"""Which distributions provide a top-level module: the environment's metadata first, then,
for declared packages that are not installed, the distribution's own name and a small table
of well-known mismatches (`yaml` is PyYAML, `sklearn` is scikit-learn).
"""

from __future__ import annotations

from domain_lsp.inventory.environment import Environment
from domain_lsp.inventory.model import normalize

# module -> distributions known to install it (the common cases where the names differ)
KNOWN_MISMATCHES: dict[str, tuple[str, ...]] = {
    "yaml": ("PyYAML",),
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "PIL": ("Pillow",),
    "bs4": ("beautifulsoup4",),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "jwt": ("PyJWT",),
    "jose": ("python-jose",),
    "multipart": ("python-multipart",),
    "Crypto": ("pycryptodome",),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyOpenSSL",),
    "attr": ("attrs",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "zmq": ("pyzmq",),
    "magic": ("python-magic",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "git": ("GitPython",),
    "gi": ("PyGObject",),
    "fitz": ("PyMuPDF",),
    "psycopg2": ("psycopg2-binary", "psycopg2"),
    "MySQLdb": ("mysqlclient",),
    "pymysql": ("PyMySQL",),
    "grpc": ("grpcio",),
    "google": ("protobuf", "google-api-python-client", "google-auth", "google-cloud-core", "googleapis-common-protos"),
    "nacl": ("PyNaCl",),
    "socks": ("PySocks",),
    "slugify": ("python-slugify",),
    "telegram": ("python-telegram-bot",),
    "Levenshtein": ("python-Levenshtein", "Levenshtein"),
    "pkg_resources": ("setuptools",),
    "_pytest": ("pytest",),
    "win32api": ("pywin32",),
    "win32con": ("pywin32",),
    "websocket": ("websocket-client",),
    "lxml": ("lxml",),
    "ldap": ("python-ldap",),
    "dns": ("dnspython",),
    "markdown": ("Markdown",),
    "sentry_sdk": ("sentry-sdk",),
    "typing_extensions": ("typing-extensions", "typing_extensions"),
    "tree_sitter": ("tree-sitter",),
    "faiss": ("faiss-cpu", "faiss-gpu"),
    "igraph": ("python-igraph", "igraph"),
    "Xlib": ("python-xlib",),
    "snappy": ("python-snappy",),
    "kafka": ("kafka-python",),
    "consul": ("python-consul",),
    "memcache": ("python-memcached",),
    "mpl_toolkits": ("matplotlib",),
    "pylab": ("matplotlib",),
    "IPython": ("ipython",),
    "jinja2": ("Jinja2",),
    "markupsafe": ("MarkupSafe",),
    "sqlalchemy": ("SQLAlchemy",),
    "flask_sqlalchemy": ("Flask-SQLAlchemy",),
    "rest_framework": ("djangorestframework",),
}


def guess_modules(distribution: str) -> set[str]:
    """Modules an uninstalled distribution probably provides, from its name alone."""
    key = normalize(distribution)
    base = key.replace("-", "_")
    guesses = {base, base.replace("_", "")}
    for prefix in ("python_", "py"):
        if base.startswith(prefix) and len(base) > len(prefix) + 1:
            guesses.add(base[len(prefix) :])
    for suffix in ("_python", "_py"):
        if base.endswith(suffix):
            guesses.add(base[: -len(suffix)])
    if "_" in base:
        guesses.add(base.split("_")[0])  # namespace-ish distributions: `zope-interface` -> zope
    guesses.update(m.lower() for m in known_modules(distribution))
    return guesses


_KNOWN_BY_DISTRIBUTION: dict[str, list[str]] = {}
for _module, _dists in KNOWN_MISMATCHES.items():  # once: a lock of 5,000 packages asks 5,000 times
    for _dist in dict.fromkeys(normalize(d) for d in _dists):
        _KNOWN_BY_DISTRIBUTION.setdefault(_dist, []).append(_module)


def known_modules(distribution: str) -> list[str]:
    """The modules the table of well-known mismatches says a distribution provides."""
    return list(_KNOWN_BY_DISTRIBUTION.get(normalize(distribution), ()))


class ModuleNames:
    """Top-level module -> distributions, from the environment and the declared names.

    A declared distribution that is installed provides exactly the modules its metadata lists.
    Only for the others is a module guessed from the name, and never a standard library module
    or one that another installed distribution provides (`typing-extensions` is not `typing`).
    """

    def __init__(self, environment: Environment, declared: list[str]) -> None:
        self.environment = environment
        self.declared = declared
        self._declared_guesses: dict[str, list[str]] = {}
        taken = {module.lower() for module in environment.providers}
        stdlib = {module.lower() for module in environment.stdlib}
        for name in declared:
            dist = environment.distribution(name)
            if dist is not None:
                modules = {module.lower() for module in dist.modules}
            else:
                known = known_modules(name)
                modules = {m.lower() for m in known} or guess_modules(name) - stdlib - taken
            for module in sorted(modules):
                self._declared_guesses.setdefault(module, []).append(name)

    def distribution_named(self, module: str) -> tuple[str, list[str]] | None:
        """(distribution, the modules it really provides) when `module` is written like the
        name of a declared or installed distribution that provides other modules
        (`import pyyaml` for PyYAML, whose module is `yaml`)."""
        key = normalize(module)
        dist = self.environment.distribution(key)
        if dist is not None:
            modules = [m for m in dist.modules if not m.startswith("_")] or list(dist.modules)
            return (dist.name, sorted(modules)) if modules and module not in dist.modules else None
        for name in self.declared:
            if normalize(name) == key:
                known = known_modules(name)
                return (name, sorted(known)) if known and module not in known else None
        return None

    def installed(self, module: str) -> bool:
        return module in self.environment.modules or module in self.environment.providers

    def installed_by(self, module: str) -> list[str]:
        return [dist.name for dist in self.environment.providers.get(module, [])]

    def declared_by_distribution(self, distribution: str) -> list[str]:
        """The module names an uninstalled declared distribution most likely provides (for
        completion): the well-known one when the names differ, else its own name."""
        return known_modules(distribution) or [normalize(distribution).replace("-", "_")]

    def declared_by(self, module: str) -> list[str]:
        """Declared-but-maybe-uninstalled distributions that could provide `module`."""
        return self._declared_guesses.get(module.lower(), [])

    @staticmethod
    def candidates(module: str) -> list[str]:
        """Distribution names to look up on an index for a module nobody provides."""
        names = list(KNOWN_MISMATCHES.get(module, ()))
        base = module.replace("_", "-")
        for name in (base, module):
            if name not in names:
                names.append(name)
        return names
