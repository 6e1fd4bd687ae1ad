"""Settings split by runtime profile: ``local`` (embedded default), ``test``, ``production``.

Every value that varies between deployments is read from the environment in ``base.env``.
"""
