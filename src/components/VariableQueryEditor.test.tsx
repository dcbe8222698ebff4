import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { DataSource } from '../datasource';
import { VariableQueryEditor } from './VariableQueryEditor';

describe('VariableQueryEditor', () => {
  it('saves the name filter on blur', async () => {
    const onChange = jest.fn();
    render(
      <VariableQueryEditor
        query={{ refId: 'A' }}
        datasource={{} as DataSource}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );

    await userEvent.type(screen.getByLabelText('Model name filter'), 'fraud');
    expect(onChange).not.toHaveBeenCalled();

    await userEvent.tab();
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', nameFilter: 'fraud' });
  });
});
