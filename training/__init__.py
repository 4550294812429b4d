"""Training jobs: labelled datasets, training, evaluation."""
