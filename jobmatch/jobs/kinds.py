"""Every kind of background job, imported once so the consumer knows them all."""

from jobmatch.admin import ranker as _ranker  # noqa: F401  (train_ranker)
from jobmatch.listings import background as _exports  # noqa: F401  (export_list)
from jobmatch.proposals import service as _proposals  # noqa: F401  (batch_proposal)
from jobmatch.rosters import jobs as _rosters  # noqa: F401  (roster_import, roster_export)
