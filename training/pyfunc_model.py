"""MLflow "models from code" entry point: the pyfunc MLflow loads, with no pickled object."""

from mlflow.models import set_model

from training.pyfunc import TriagePyfunc

set_model(TriagePyfunc())
