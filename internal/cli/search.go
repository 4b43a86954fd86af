package cli

import (
	"context"
	"errors"
	"io"

	"github.com/newsflow/newsflow/internal/search"
)

func searchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := search.RunCLI(ctx, args, stdout, stderr)
	if errors.Is(err, search.ErrUsage) {
		return ErrUsage
	}
	return err
}
